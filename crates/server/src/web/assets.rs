//! The stylesheet and script, compiled into the binary and served by bote itself (no CDN).
//! Their URLs carry a hash of their content, so browsers may keep them for a year and still
//! fetch the new file after an upgrade.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("assets/app.css");
const JS: &str = include_str!("assets/app.js");

fn versioned(name: &str, body: &str) -> String {
    let hash = hex::encode(Sha256::digest(body.as_bytes()));
    format!("/static/{name}?v={}", &hash[..12])
}

static CSS_URL: LazyLock<String> = LazyLock::new(|| versioned("app.css", CSS));
static JS_URL: LazyLock<String> = LazyLock::new(|| versioned("app.js", JS));

pub fn css_url() -> &'static str {
    &CSS_URL
}

pub fn js_url() -> &'static str {
    &JS_URL
}

/// `GET /static/{name}`.
pub async fn serve(Path(name): Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "app.css" => (CSS, "text/css; charset=utf-8"),
        "app.js" => (JS, "text/javascript; charset=utf-8"),
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
