//! The docs page: self-contained HTML that renders the document.

use crate::support::{Backend, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docs_page_is_self_contained_html_that_loads_the_document() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app
        .client
        .get(app.url("/api/v1/docs"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "served without credentials");
    let headers = response.headers().clone();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{headers:?}"
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    let html = response.text().await.unwrap();
    assert!(html.to_ascii_lowercase().starts_with("<!doctype html>"));
    assert!(
        html.contains("fetch(\"openapi.json\""),
        "loads the document"
    );
    assert!(
        html.contains("<style>") && html.contains("function main(doc)"),
        "inlined"
    );
    assert!(!html.contains("/*DOCS_"), "every placeholder filled");
    for external in [
        "http://",
        "https://",
        "<script src",
        "<link ",
        "@import",
        "url(",
    ] {
        assert!(
            !html.contains(external),
            "the page refers to something outside: {external}"
        );
    }
}
