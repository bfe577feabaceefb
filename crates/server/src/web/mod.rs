//! The web interface (R22): server-rendered pages under `/` for the people of an account and
//! for account managers.
//!
//! Templates are askama's: compiled into the binary and type-checked against the structs
//! that fill them, so a page that names a missing value fails the build instead of a
//! request, and nothing is parsed at run time. Strings come from one catalogue per language
//! (`i18n`); the stylesheet and script are embedded (`assets`). Every page gets the
//! security headers of `headers`; logins are sessions kept hashed in the store (`session`),
//! limited per address and user name (`rate_limit`), and every form carries a CSRF token.

mod admin;
mod admin_numbers;
mod admin_whatsapp;
mod assets;
mod chart;
mod contacts;
mod flow_i18n;
mod groups;
mod headers;
mod home;
mod i18n;
mod i18n_pages;
mod import;
mod import_jobs;
mod lang;
mod login;
mod optins;
mod page;
mod rate_limit;
mod refusal;
mod sandbox;
mod send;
mod send_media;
mod sends;
mod session;
mod settings;
mod settings_account;
mod stats;
mod widget;
mod zone_choice;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Extension};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;

pub use headers::CSP;
pub use rate_limit::{LOGIN_ATTEMPTS, LOGIN_WINDOW};
pub use session::{SESSION_COOKIE, SESSION_LIFETIME};
pub use widget::WIDGET_CSP;

use crate::app::AppState;

/// The pages and their assets; merged into the app's router beside the API.
pub fn router() -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(home::show))
        .route("/login", get(login::show).post(login::submit))
        .route("/logout", axum::routing::post(login::logout))
        .route("/admin", get(admin::show))
        .route("/contacts", get(contacts::list))
        .route("/contacts/new", get(contacts::new).post(contacts::create))
        .route(
            "/contacts/import",
            // The upload is spooled with the configured `max_import_bytes` as its limit.
            get(import::show)
                .post(import::upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/contacts/import/{id}", get(import::job))
        .route("/contacts/import/{id}/progress.json", get(import::progress))
        .route("/contacts/export", get(import::export))
        .route("/contacts/{id}", get(contacts::edit).post(contacts::update))
        .route(
            "/contacts/{id}/delete",
            axum::routing::post(contacts::delete),
        )
        .route("/groups", get(groups::list).post(groups::create))
        .route("/groups/{id}/delete", axum::routing::post(groups::delete))
        .route("/send", get(send::show).post(send::submit))
        .route("/send/preview", axum::routing::post(send::check))
        .route(
            "/send/media",
            // The upload is limited per media kind while it is stored.
            axum::routing::post(send_media::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/sends", get(sends::list))
        .route("/sends/{id}", get(sends::detail))
        .route("/sends/{id}/progress.json", get(sends::progress))
        .route("/sends/{id}/pause", axum::routing::post(sends::pause))
        .route("/sends/{id}/resume", axum::routing::post(sends::resume))
        .route("/sends/{id}/cancel", axum::routing::post(sends::cancel))
        .route("/messages/{id}", get(sends::message))
        .route("/stats", get(stats::show))
        .route("/stats/export", get(stats::export))
        .merge(account_pages())
        .route("/lang/{code}", get(lang::switch))
        .merge(widget::settings_router())
        .layer(Extension(Arc::new(rate_limit::LoginLimiter::default())))
        .layer(Extension(Arc::new(import_jobs::ImportJobs::default())));
    Router::new()
        .merge(pages)
        .route("/static/{name}", get(assets::serve))
        .route("/media/{token}", get(crate::media::serve))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(headers::security_headers))
        // After the layer: the widget's public pages may be framed by any site (R8).
        .merge(widget::public_router())
}

/// Opt-ins, settings, the sandbox phone and the account managers' area.
fn account_pages() -> Router<AppState> {
    use axum::routing::post;
    Router::new()
        .route("/optins", get(optins::list))
        .route("/optins/export", get(optins::export))
        .route("/optins/{number}", get(optins::ledger))
        .route("/optins/{number}/ledger.csv", get(optins::ledger_export))
        .route(
            "/optins/{number}/revoke",
            get(optins::confirm).post(optins::revoke),
        )
        .route("/settings", get(settings::show))
        .route("/settings/tokens", post(settings::create))
        .route("/settings/tokens/{id}/revoke", post(settings::revoke))
        .route("/settings/callbacks", post(settings::callbacks))
        .route("/settings/keywords", post(settings::keywords))
        .route("/settings/account", post(settings_account::save))
        .route("/sandbox", get(sandbox::show))
        .route("/sandbox/inbound", post(sandbox::send))
        .route("/admin/accounts", post(admin::create))
        .route(
            "/admin/accounts/{id}/whatsapp",
            post(admin_whatsapp::activate_addon),
        )
        .route("/admin/pending", get(admin_whatsapp::pending))
        .route(
            "/admin/numbers",
            get(admin_numbers::show).post(admin_numbers::add),
        )
}

async fn not_found(jar: CookieJar, headers: HeaderMap) -> Response {
    page::WebError::NotFound(i18n::Lang::negotiate(&jar, &headers)).into_response()
}
