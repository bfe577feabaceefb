//! The document and the router name the same routes, in both directions.

use std::collections::BTreeSet;
use std::path::Path;

use reqwest::Method;

use crate::schema::*;
use crate::support::source_routes::routes_in_source;
use crate::support::{Backend, json_of, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_routed() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = fetch_document(&app).await;

    // What the router says to routes it does not have, so that 401 below means "routed".
    let r = app
        .client
        .get(app.url("/api/v1/no-such-route"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = app
        .client
        .put(app.url("/api/v1/messages"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405, "a wrong method is not refused as 401");

    let ops = operations(&doc);
    assert!(ops.len() >= 25, "only {} operations documented", ops.len());
    for (path, method, op, _) in ops {
        let concrete: String = path
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let url = app.url(&format!("/api/v1{concrete}"));
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let response = app.client.request(m, &url).send().await.unwrap();
        let status = response.status().as_u16();
        let at = format!("{} /api/v1{path}", method.to_uppercase());
        if is_public(op) {
            assert_eq!(status, 200, "{at}: public, yet {status}");
        } else {
            assert!(
                response.headers().contains_key("www-authenticate"),
                "{at}: no WWW-Authenticate"
            );
            let (status, body) = json_of(response).await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (401, Some("unauthorized")),
                "{at}: documented, but the router does not refuse it for want of credentials: {body}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_in_the_source_is_documented() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = fetch_document(&app).await;

    // Everything under /api/v1 comes from src/api: app.rs nests that one router there.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let app_rs = std::fs::read_to_string(manifest.join("src/app.rs")).unwrap();
    assert_eq!(
        app_rs.matches("\"/api/v1").count(),
        1,
        "src/app.rs mounts more than crate::api::router under /api/v1; scan that too"
    );

    let mut in_source = BTreeSet::new();
    routes_in_source(&manifest.join("src/api"), &mut in_source);
    assert!(in_source.len() >= 25, "the scan found only {in_source:?}");
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(path, method, _, _)| (path, method.to_uppercase()))
        .collect();

    let undocumented: Vec<_> = in_source.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&in_source).collect();
    assert!(
        undocumented.is_empty(),
        "routes in src/api missing from src/api/openapi.json: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "operations in src/api/openapi.json with no .route() in src/api: {unrouted:?}"
    );
}
