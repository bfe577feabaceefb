//! Reading credentials from a request: `Authorization: Bearer`, HTTP Basic, and (for websms
//! clients that send it) the `access_token` query parameter.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;

#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    Bearer(String),
    Basic { username: String, password: String },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Credentials::Basic { username, .. } => write!(f, "Basic({username}, <redacted>)"),
        }
    }
}

impl Credentials {
    /// `None` when the request carries no (or unreadable) credentials.
    pub fn from_headers(headers: &HeaderMap) -> Option<Credentials> {
        let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
        let (scheme, rest) = value.split_once(' ')?;
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("bearer") {
            return (!rest.is_empty()).then(|| Credentials::Bearer(rest.to_owned()));
        }
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .ok()?;
            let text = String::from_utf8(decoded).ok()?;
            let (username, password) = text.split_once(':')?;
            return Some(Credentials::Basic {
                username: username.to_owned(),
                password: password.to_owned(),
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn reads_bearer_and_basic() {
        assert_eq!(
            Credentials::from_headers(&headers("Bearer abc")),
            Some(Credentials::Bearer("abc".into()))
        );
        // "user:pa:ss" — the password may contain colons.
        assert_eq!(
            Credentials::from_headers(&headers("Basic dXNlcjpwYTpzcw==")),
            Some(Credentials::Basic {
                username: "user".into(),
                password: "pa:ss".into()
            })
        );
        assert_eq!(Credentials::from_headers(&headers("Basic !!!")), None);
        assert_eq!(Credentials::from_headers(&headers("Digest x")), None);
        assert_eq!(Credentials::from_headers(&HeaderMap::new()), None);
        let dbg = format!("{:?}", Credentials::Bearer("secret".into()));
        assert!(!dbg.contains("secret"));
    }
}
