//! The native JSON API under `/api/v1`: one `router()` per resource, one error mapping.

mod account_settings;
mod admin;
mod admin_numbers;
mod admin_whatsapp;
mod channels;
pub(crate) mod contacts;
mod contacts_csv;
mod error;
mod groups;
pub(crate) mod inbound;
pub(crate) mod input;
mod json;
pub(crate) mod keyword_settings;
mod openapi;
pub(crate) mod optins;
mod query;
mod sends;
pub(crate) mod settings;
pub(crate) mod stats;
mod user_settings;
mod whatsapp;
mod widget_settings;

use axum::Router;

pub use error::{ApiError, ApiResult};
pub use json::ApiJson;
pub use query::ApiQuery;

use crate::app::AppState;

pub fn router(state: &AppState) -> Router<AppState> {
    let import_limit = usize::try_from(state.config.max_import_bytes).unwrap_or(usize::MAX);
    Router::new()
        .merge(contacts::router())
        .merge(groups::router())
        .merge(admin::router())
        .merge(admin_numbers::router())
        .merge(channels::router())
        .merge(sends::router())
        .merge(inbound::router())
        .merge(optins::router())
        .merge(stats::router())
        .merge(keyword_settings::router())
        .merge(admin_whatsapp::router())
        .merge(whatsapp::router())
        .merge(settings::router())
        .merge(account_settings::router())
        .merge(user_settings::router())
        .merge(widget_settings::router())
        .layer(axum::extract::DefaultBodyLimit::max(
            state.config.max_body_bytes,
        ))
        .merge(contacts_csv::router().layer(axum::extract::DefaultBodyLimit::max(import_limit)))
        // Open to all: no handler there asks for credentials.
        .merge(openapi::router())
        .fallback(|| async { ApiError::not_found("route") })
}
