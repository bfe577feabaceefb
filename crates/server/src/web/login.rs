//! Logging in and out. The login form is protected against CSRF too (a site could otherwise
//! log a browser into an attacker's account): a random pre-session id in a short-lived
//! cookie, and the form carries the token derived from it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::extract::{ConnectInfo, Extension, Form, State};
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use bote_store::StoreError;
use rand::Rng;
use serde::Deserialize;

use super::i18n::Lang;
use super::page::{Chrome, WebError, render};
use super::rate_limit::LoginLimiter;
use super::session::{self, CsrfForm, SESSION_COOKIE, WebUser};
use crate::app::AppState;

/// The cookie holding the login form's pre-session id.
const LOGIN_COOKIE: &str = "bote_login";
const LOGIN_FORM_LIFETIME: Duration = Duration::from_secs(3600);

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    error: Option<&'static str>,
    username: String,
}

/// The form with a fresh pre-session id (a new one each time the form is shown).
fn form(
    lang: Lang,
    jar: CookieJar,
    https: bool,
    status: StatusCode,
    error: Option<&'static str>,
    username: String,
) -> Response {
    let pre = hex::encode(rand::rng().random::<[u8; 32]>());
    let mut chrome = Chrome::anonymous(lang, "/login");
    chrome.csrf = session::csrf_token(&pre);
    let jar = jar.add(session::cookie(
        LOGIN_COOKIE,
        pre,
        https,
        LOGIN_FORM_LIFETIME,
    ));
    (
        jar,
        render(
            status,
            &LoginPage {
                chrome,
                error,
                username,
            },
        ),
    )
        .into_response()
}

/// `GET /login`.
pub async fn show(jar: CookieJar, headers: HeaderMap) -> Response {
    let lang = Lang::negotiate(&jar, &headers);
    form(
        lang,
        jar,
        session::is_https(&headers),
        StatusCode::OK,
        None,
        String::new(),
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// The client's address as the listener saw it (a reverse proxy's, behind one).
pub fn client_ip(info: Option<&ConnectInfo<SocketAddr>>) -> Option<IpAddr> {
    info.map(|ConnectInfo(addr)| addr.ip())
}

/// `POST /login`.
pub async fn submit(
    State(state): State<AppState>,
    Extension(limiter): Extension<Arc<LoginLimiter>>,
    extensions: Extensions,
    headers: HeaderMap,
    jar: CookieJar,
    Form(input): Form<LoginForm>,
) -> Response {
    let lang = Lang::negotiate(&jar, &headers);
    let https = session::is_https(&headers);
    let t = lang.strings();
    let username = input.username.trim().to_owned();

    let pre = jar.get(LOGIN_COOKIE).map(|c| c.value().to_owned());
    if !pre.is_some_and(|pre| session::same_token(&session::csrf_token(&pre), &input.csrf)) {
        return form(
            lang,
            jar,
            https,
            StatusCode::FORBIDDEN,
            Some(t.form_expired),
            username,
        );
    }
    let ip = client_ip(extensions.get::<ConnectInfo<SocketAddr>>());
    if !limiter.allow(ip, &username) {
        return form(
            lang,
            jar,
            https,
            StatusCode::TOO_MANY_REQUESTS,
            Some(t.too_many_attempts),
            username,
        );
    }
    let creds = match state.store.user_credentials(&username).await {
        Ok(creds) => Some(creds),
        Err(StoreError::NotFound(_)) => None,
        Err(e) => return WebError::from(e).into_response(),
    };
    let user = match creds {
        Some(c)
            if state
                .passwords
                .verify(&input.password, &c.password_hash)
                .await =>
        {
            c.user
        }
        _ => {
            return form(
                lang,
                jar,
                https,
                StatusCode::UNAUTHORIZED,
                Some(t.wrong_login),
                username,
            );
        }
    };
    // Whatever session this browser had ends here: a fresh id for the new login.
    if let Err(e) = session::end(&state, &jar).await {
        return e.into_response();
    }
    match session::start(&state, &user, https).await {
        Ok(cookie) => (
            jar.remove(session::removal(LOGIN_COOKIE)).add(cookie),
            Redirect::to("/"),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    user: WebUser,
    jar: CookieJar,
    Form(input): Form<CsrfForm>,
) -> Result<Response, WebError> {
    user.check_csrf(&input.csrf)?;
    session::end(&state, &jar).await?;
    Ok((
        jar.remove(session::removal(SESSION_COOKIE)),
        Redirect::to("/login"),
    )
        .into_response())
}
