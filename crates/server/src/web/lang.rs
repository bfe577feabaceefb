//! The language switch: a link that keeps the choice in a cookie for a year.

use std::time::Duration;

use axum::extract::{Path, Query};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::i18n::{LANG_COOKIE, Lang};
use super::session;

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Only paths on this site: never `//host` or a full URL (no open redirect).
fn local_path(next: Option<String>) -> String {
    next.filter(|p| p.starts_with('/') && !p.starts_with("//") && !p.contains('\\'))
        .unwrap_or_else(|| "/".into())
}

/// `GET /lang/{code}?next=/path`.
pub async fn switch(
    Path(code): Path<String>,
    Query(next): Query<Next>,
    jar: CookieJar,
    headers: HeaderMap,
) -> Response {
    let back = Redirect::to(&local_path(next.next));
    match Lang::parse(&code) {
        Some(lang) => {
            let cookie = session::cookie(
                LANG_COOKIE,
                lang.code().into(),
                session::is_https(&headers),
                Duration::from_secs(365 * 24 * 3600),
            );
            (jar.add(cookie), back).into_response()
        }
        None => back.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/contacts?q=a".into())), "/contacts?q=a");
        assert_eq!(local_path(Some("//evil.example".into())), "/");
        assert_eq!(local_path(Some("https://evil.example".into())), "/");
        assert_eq!(local_path(Some("/\\evil.example".into())), "/");
        assert_eq!(local_path(None), "/");
    }
}
