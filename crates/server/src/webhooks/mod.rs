//! Webhooks providers call, outside `/api/v1`: they authenticate by their own means (Meta
//! signs each POST with the number's app secret), not with bote's credentials.

mod numbers;
mod signature;
mod whatsapp;

use axum::Router;

use crate::app::AppState;

pub use bote_wire::whatsapp_webhook::{Notification, WebhookEvent, events_of};
pub use numbers::CloudNumbers;
pub use signature::{SIGNATURE_HEADER, sign, verify_signature};

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(whatsapp::router())
        .layer(axum::extract::DefaultBodyLimit::max(
            state.config.max_body_bytes,
        ))
}
