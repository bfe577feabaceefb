//! The document is sound OpenAPI 3.1: references resolve, operations are complete, examples fit.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::schema::*;
use crate::support::{Backend, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_sound_openapi_3_1() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = fetch_document(&app).await;

    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());

    let mut all_refs = Vec::new();
    refs(&doc, &mut all_refs);
    assert!(all_refs.len() > 50, "the scan of $refs found too few");
    for r in all_refs {
        resolve(&doc, r);
    }

    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes["bearerAuth"]["scheme"], "bearer");
    assert_eq!(schemes["basicAuth"]["scheme"], "basic");
    let tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();

    let mut ids = BTreeSet::new();
    let mut errors = Vec::new();
    for (path, method, op, item) in operations(&doc) {
        let at = format!("{} {path}", method.to_uppercase());
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{at}: operationId"));
        assert!(ids.insert(id), "{at}: operationId {id} twice");
        assert!(op["summary"].is_string(), "{at}: summary");
        for tag in op["tags"]
            .as_array()
            .unwrap_or_else(|| panic!("{at}: tags"))
        {
            assert!(
                tags.contains(tag.as_str().unwrap()),
                "{at}: undeclared tag {tag}"
            );
        }

        let responses = op["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{at}: responses"));
        assert!(!responses.is_empty(), "{at}: no responses");
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{at}: no success response"
        );
        for (status, response) in responses {
            let response = deref(&doc, response);
            assert!(
                response["description"].is_string(),
                "{at} {status}: description"
            );
            check_media_examples(
                &doc,
                &response["content"],
                &format!("{at} {status}"),
                &mut errors,
            );
        }
        if let Some(body) = op.get("requestBody") {
            check_media_examples(
                &doc,
                &deref(&doc, body)["content"],
                &format!("{at} body"),
                &mut errors,
            );
        }

        // Security: stated on every operation, never inherited; public ones say so twice.
        let security = op
            .get("security")
            .unwrap_or_else(|| panic!("{at}: no security requirement and not marked public"))
            .as_array()
            .unwrap();
        if security.is_empty() {
            assert_eq!(
                op["x-public"], true,
                "{at}: `security: []` without `x-public: true`"
            );
        } else {
            assert!(op.get("x-public").is_none(), "{at}: public and secured");
            for requirement in security {
                for (scheme, roles) in requirement.as_object().unwrap() {
                    assert!(
                        schemes.contains_key(scheme),
                        "{at}: unknown scheme {scheme}"
                    );
                    let roles = roles.as_array().unwrap();
                    assert_eq!(roles.len(), 1, "{at}: one scope per requirement");
                    let role = roles[0].as_str().unwrap();
                    assert!(ROLES.contains(&role), "{at}: unknown role {role}");
                }
            }
            assert!(responses.contains_key("401"), "{at}: secured but no 401");
            assert!(responses.contains_key("403"), "{at}: secured but no 403");
        }

        // Every `{param}` of the path is declared, and every declared path parameter is used.
        let params: Vec<&Value> = item["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(op["parameters"].as_array().into_iter().flatten())
            .map(|p| deref(&doc, p))
            .collect();
        let in_template: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let declared: BTreeSet<&str> = params
            .iter()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(in_template, declared, "{at}: path parameters");
        for p in &params {
            assert!(
                p["schema"].is_object(),
                "{at}: parameter {} has no schema",
                p["name"]
            );
            if let Some(example) = p.get("example") {
                validate(
                    &doc,
                    &p["schema"],
                    example,
                    &format!("{at} ?{}", p["name"]),
                    &mut errors,
                );
            }
        }
    }
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        for example in schema["examples"].as_array().into_iter().flatten() {
            validate(
                &doc,
                schema,
                example,
                &format!("schema {name} example"),
                &mut errors,
            );
        }
    }
    assert!(
        errors.is_empty(),
        "examples that do not fit their schema:\n{}",
        errors.join("\n")
    );
}
