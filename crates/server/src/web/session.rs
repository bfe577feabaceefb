//! Logged-in browsers. The cookie holds a random id; the store keeps only its SHA-256 hash.
//! The CSRF token of a session is derived from the id with another hash, so it needs no
//! column, differs per session, and cannot be computed from anything the database holds.

use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use bote_store::{NewWebSession, StoreError, User};
use rand::Rng;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::i18n::Lang;
use super::page::WebError;
use crate::app::AppState;

pub const SESSION_COOKIE: &str = "bote_session";

/// How long a login lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// A fresh random session id: 32 bytes, hex.
fn new_id() -> String {
    hex::encode(rand::rng().random::<[u8; 32]>())
}

pub fn id_hash(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// The CSRF token of the session with this id (or of a login form's pre-session id).
pub fn csrf_token(id: &str) -> String {
    hex::encode(
        Sha256::new()
            .chain_update(b"bote web csrf\0")
            .chain_update(id.as_bytes())
            .finalize(),
    )
}

/// Compares without stopping at the first difference, so timing tells nothing.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// Whether the browser reached bote over HTTPS: directly never (bote speaks HTTP), so only
/// through a reverse proxy that says so. A client forging the header only makes its own
/// cookies stricter.
pub fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A cookie with the attributes every bote cookie has.
pub fn cookie(
    name: &'static str,
    value: String,
    https: bool,
    max_age: Duration,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(https)
        .max_age(cookie::time::Duration::seconds(max_age.as_secs() as i64))
        .build()
}

/// A cookie that removes `name`.
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut gone = Cookie::build((name, "")).path("/").build();
    gone.make_removal();
    gone
}

/// Starts a session for `user` and returns the cookie that carries it. Expired sessions
/// are removed here, so the table holds only live sessions and those of one lifetime.
pub async fn start(
    state: &AppState,
    user: &User,
    https: bool,
) -> Result<Cookie<'static>, WebError> {
    let id = new_id();
    let now = chrono::Utc::now();
    state.store.purge_web_sessions(now).await?;
    let expires_at = now
        + chrono::Duration::from_std(SESSION_LIFETIME).expect("lifetime fits a chrono duration");
    state
        .store
        .create_web_session(NewWebSession {
            id_hash: id_hash(&id),
            user: user.id,
            expires_at,
        })
        .await?;
    Ok(cookie(SESSION_COOKIE, id, https, SESSION_LIFETIME))
}

/// Ends the session in this cookie jar, if any.
pub async fn end(state: &AppState, jar: &CookieJar) -> Result<(), WebError> {
    if let Some(c) = jar.get(SESSION_COOKIE) {
        state.store.delete_web_session(&id_hash(c.value())).await?;
    }
    Ok(())
}

/// The logged-in user of a page request. Without a live session a page answers with a
/// redirect to the login form.
pub struct WebUser {
    pub user: User,
    /// The token every form of this session carries.
    pub csrf: String,
    pub lang: Lang,
}

/// A form that carries nothing but the session's CSRF token (logout, deletes, revokes).
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

impl WebUser {
    /// Every POST of a logged-in page calls this first.
    pub fn check_csrf(&self, sent: &str) -> Result<(), WebError> {
        if same_token(&self.csrf, sent) {
            Ok(())
        } else {
            Err(WebError::Csrf(self.lang))
        }
    }

    pub fn is_account_manager(&self) -> bool {
        self.user.role == bote_domain::UserRole::AccountManager
    }
}

/// Sent to the login form.
pub struct LoginRedirect;

impl IntoResponse for LoginRedirect {
    fn into_response(self) -> Response {
        Redirect::to("/login").into_response()
    }
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        let lang = Lang::negotiate(&jar, &parts.headers);
        let Some(id) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
            return Err(LoginRedirect.into_response());
        };
        match state
            .store
            .web_session(&id_hash(&id), chrono::Utc::now())
            .await
        {
            Ok(session) => Ok(WebUser {
                user: session.user,
                csrf: csrf_token(&id),
                lang,
            }),
            Err(StoreError::NotFound(_)) => {
                Err((jar.add(removal(SESSION_COOKIE)), LoginRedirect).into_response())
            }
            Err(e) => Err(WebError::from(e).into_response()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_tokens_differ_from_hashes() {
        let (a, b) = (new_id(), new_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(id_hash(&a), csrf_token(&a));
        assert_ne!(csrf_token(&a), csrf_token(&b));
        assert!(same_token(&csrf_token(&a), &csrf_token(&a)));
        assert!(!same_token(&csrf_token(&a), &csrf_token(&b)));
        assert!(!same_token("abc", "abcd"));
    }
}
