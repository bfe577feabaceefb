//! What every page shares: the frame around it (language, user, CSRF token, asset URLs),
//! rendering a template into a response, and the error pages.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bote_store::StoreError;

use super::assets;
use super::i18n::{Lang, Strings};
use super::session::WebUser;

/// The frame of a page: what `base.html` shows around the content.
pub struct Chrome {
    pub t: &'static Strings,
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,
    /// The page's own path, where the language switch leads back to.
    pub path: String,
    /// Set when someone is logged in.
    pub username: Option<String>,
    pub is_manager: bool,
    pub csrf: String,
    pub css: &'static str,
    pub js: &'static str,
}

impl Chrome {
    pub fn anonymous(lang: Lang, path: &str) -> Chrome {
        Chrome {
            t: lang.strings(),
            lang: lang.code(),
            other_lang: lang.other().code(),
            other_lang_name: lang.other().strings().language_name,
            path: path.to_owned(),
            username: None,
            is_manager: false,
            csrf: String::new(),
            css: assets::css_url(),
            js: assets::js_url(),
        }
    }

    pub fn for_user(user: &WebUser, path: &str) -> Chrome {
        Chrome {
            username: Some(user.user.username.clone()),
            is_manager: user.is_account_manager(),
            csrf: user.csrf.clone(),
            ..Chrome::anonymous(user.lang, path)
        }
    }
}

/// Renders a page; a template that fails to render is a bug, answered with the error page.
pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering a page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    title: &'static str,
    text: &'static str,
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum WebError {
    /// A form came back without its session's CSRF token.
    Csrf(Lang),
    NotFound(Lang),
    /// An account's user on an account manager's page.
    Forbidden(Lang),
    /// The store failed; logged, never shown.
    Store(StoreError),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        WebError::Store(e)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, lang, title, text) = match self {
            WebError::Csrf(lang) => (
                StatusCode::FORBIDDEN,
                lang,
                lang.strings().error_title,
                lang.strings().form_expired,
            ),
            WebError::NotFound(lang) => (
                StatusCode::NOT_FOUND,
                lang,
                lang.strings().not_found_title,
                lang.strings().not_found_text,
            ),
            WebError::Forbidden(lang) => (
                StatusCode::FORBIDDEN,
                lang,
                lang.strings().error_title,
                lang.strings().forbidden_text,
            ),
            WebError::Store(e) => {
                tracing::error!(error = %e, "a web page failed");
                let lang = Lang::De;
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    lang,
                    lang.strings().error_title,
                    lang.strings().error_text,
                )
            }
        };
        render(
            status,
            &ErrorPage {
                chrome: Chrome::anonymous(lang, "/"),
                title,
                text,
            },
        )
    }
}
