//! `/api/v1/openapi.json` and `/api/v1/docs`, open to all: the API's OpenAPI 3.1 document
//! and a self-contained page that renders it.
//!
//! The document is written by hand in `openapi.json`, next to the handlers it describes;
//! `tests/openapi.rs` holds it to the router both ways (every documented operation exists,
//! every `.route(…)` in `src/api` is documented), so a route added without documenting it
//! fails the suite.

use std::sync::LazyLock;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::app::AppState;

/// The OpenAPI document, served as written.
pub const DOCUMENT: &str = include_str!("openapi.json");

const HTML: &str = include_str!("docs/docs.html");
const CSS: &str = include_str!("docs/docs.css");
const JS: &str = include_str!("docs/docs.js");

/// The page with its stylesheet and script inlined: one response, nothing fetched but
/// `openapi.json` from the same origin.
static PAGE: LazyLock<String> =
    LazyLock::new(|| HTML.replace("/*DOCS_CSS*/", CSS).replace("/*DOCS_JS*/", JS));

/// The page may run its own inline script and style and fetch from its origin; nothing else.
const PAGE_CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; \
    style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(document))
        .route("/docs", get(docs))
}

async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}

async fn docs() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
        ],
        PAGE.as_str(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_json_and_the_page_is_whole() {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).expect("openapi.json parses");
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        assert!(!PAGE.contains("/*DOCS_CSS*/") && !PAGE.contains("/*DOCS_JS*/"));
        assert!(!JS.contains("</script") && !CSS.contains("</style"));
    }
}
