//! The opt-in widget's pages (R8): the public page a business embeds (`/w/{public_id}`,
//! with its look's stylesheet and an embedding script) and the settings page behind login
//! (`/settings/widget`). The public pages may be framed by any site and carry their own
//! security headers; everything else keeps the app's (`headers`).

mod assets;
mod card;
mod public;
mod settings;
mod strings;

use std::sync::Arc;

use axum::Router;
use axum::extract::Extension;
use axum::http::HeaderMap;
use axum::routing::get;

use crate::app::AppState;
use crate::widget::WidgetLimiter;

pub use public::WIDGET_CSP;

/// The public widget routes, served outside the app's frame-denying headers.
pub fn public_router() -> Router<AppState> {
    Router::new()
        .route("/w/{public_id}", get(public::show).post(public::submit))
        .route("/w/{public_id}/look.css", get(public::look_css))
        .route("/w/{public_id}/embed.js", get(public::embed_js))
        .route("/widget-assets/{name}", get(assets::serve))
        .layer(Extension(Arc::new(WidgetLimiter::default())))
        .layer(axum::middleware::from_fn(public::widget_headers))
}

/// The settings page, under the app's headers and login.
pub fn settings_router() -> Router<AppState> {
    Router::new().route("/settings/widget", get(settings::show).post(settings::save))
}

/// bote's address as visitors reach it: the configured `public_url`, else the scheme and
/// host of this request.
pub fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.as_str().trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if super::session::is_https(headers) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}
