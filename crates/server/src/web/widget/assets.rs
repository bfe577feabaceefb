//! The widget's stylesheet and the settings page's preview script, compiled in and served
//! with content-hashed URLs like the app's own assets.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

pub const CSS: &str = include_str!("../assets/widget.css");
const SETTINGS_JS: &str = include_str!("../assets/widget_settings.js");
pub const EMBED_JS: &str = include_str!("../assets/widget_embed.js");

fn versioned(name: &str, body: &str) -> String {
    let hash = hex::encode(Sha256::digest(body.as_bytes()));
    format!("/widget-assets/{name}?v={}", &hash[..12])
}

static CSS_URL: LazyLock<String> = LazyLock::new(|| versioned("widget.css", CSS));
static JS_URL: LazyLock<String> = LazyLock::new(|| versioned("settings.js", SETTINGS_JS));

pub fn css_url() -> &'static str {
    &CSS_URL
}

pub fn settings_js_url() -> &'static str {
    &JS_URL
}

/// `GET /widget-assets/{name}`.
pub async fn serve(Path(name): Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "widget.css" => (CSS, "text/css; charset=utf-8"),
        "settings.js" => (SETTINGS_JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response()
}
