//! The OpenAPI document at `/api/v1/openapi.json` and the docs page at `/api/v1/docs`.
//!
//! The document is written by hand (`src/api/openapi.json`); these tests keep it true:
//! - it is structurally sound OpenAPI 3.1: every `$ref` resolves, every operation has
//!   responses and either a security requirement or is marked public, every example fits
//!   its schema;
//! - every documented operation exists in the live router (it refuses a request without
//!   credentials with 401, where an unknown route answers 404 and a wrong method 405);
//! - every `.route(…)` in `src/api/**.rs`, read from the source at test time, is documented
//!   with the same methods, and nothing else is;
//! - real responses of every kind of operation, and the errors, fit the documented schema
//!   for their status, and that status is documented.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use bote_domain::{TokenScope, UserRole};
use reqwest::Method;
use serde_json::{Value, json};
use support::{Backend, TestApp, json_of, spawn_app};

const METHODS: [&str; 7] = ["get", "put", "post", "patch", "delete", "head", "options"];
const ROLES: [&str; 4] = ["read_only", "send", "full", "account_manager"];

async fn fetch_document(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "served without credentials");
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).expect("openapi.json is JSON")
}

fn resolve<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("only local references are used: {reference}"));
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("$ref {reference} resolves to nothing"))
}

/// Follows a `$ref` object to what it names.
fn deref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => deref(doc, resolve(doc, r)),
        None => v,
    }
}

/// `(path, method, operation, path item)` for every operation in the document.
fn operations(doc: &Value) -> Vec<(String, String, &Value, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push((path.clone(), method.to_owned(), op, item));
            }
        }
    }
    out
}

fn is_public(op: &Value) -> bool {
    op["security"] == json!([])
}

// A small JSON Schema check: the keywords this document uses, minus `pattern` and `format`.
fn validate(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return validate(doc, resolve(doc, r), value, at, errors);
    }
    if let Some(alts) = schema.get("oneOf").and_then(Value::as_array) {
        let fits = alts
            .iter()
            .filter(|alt| {
                let mut e = Vec::new();
                validate(doc, alt, value, at, &mut e);
                e.is_empty()
            })
            .count();
        if fits != 1 {
            errors.push(format!(
                "{at}: fits {fits} of the oneOf alternatives: {value}"
            ));
        }
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            other => panic!("{at}: odd type {other}"),
        };
        let fits = |t: &str| match t {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "string" => value.is_string(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            other => panic!("{at}: unknown type {other}"),
        };
        if !types.iter().any(|t| fits(t)) {
            errors.push(format!("{at}: {value} is not of type {t}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    match value {
        Value::Object(map) => {
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                if !map.contains_key(name) {
                    errors.push(format!("{at}: required field `{name}` is missing"));
                }
            }
            let props = schema.get("properties").and_then(Value::as_object);
            for (key, v) in map {
                let here = format!("{at}.{key}");
                match (
                    props.and_then(|p| p.get(key)),
                    schema.get("additionalProperties"),
                ) {
                    (Some(s), _) => validate(doc, s, v, &here, errors),
                    (None, Some(Value::Bool(false))) => {
                        errors.push(format!("{at}: field `{key}` is not documented"))
                    }
                    (None, Some(s @ Value::Object(_))) => validate(doc, s, v, &here, errors),
                    (None, _) => {}
                }
                if let Some(names) = schema.get("propertyNames") {
                    validate(doc, names, &Value::String(key.clone()), &here, errors);
                }
            }
            if let Some(max) = schema.get("maxProperties").and_then(Value::as_u64)
                && map.len() as u64 > max
            {
                errors.push(format!("{at}: more than {max} fields"));
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    validate(doc, s, item, &format!("{at}[{i}]"), errors);
                }
            }
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                && items.len() as u64 > max
            {
                errors.push(format!("{at}: more than {max} items"));
            }
        }
        Value::String(s) => {
            let n = s.chars().count() as u64;
            if schema
                .get("minLength")
                .and_then(Value::as_u64)
                .is_some_and(|m| n < m)
                || schema
                    .get("maxLength")
                    .and_then(Value::as_u64)
                    .is_some_and(|m| n > m)
            {
                errors.push(format!("{at}: length {n} is out of bounds"));
            }
        }
        Value::Number(n) => {
            let n = n.as_f64().unwrap();
            if schema
                .get("minimum")
                .and_then(Value::as_f64)
                .is_some_and(|m| n < m)
                || schema
                    .get("maximum")
                    .and_then(Value::as_f64)
                    .is_some_and(|m| n > m)
            {
                errors.push(format!("{at}: {n} is out of bounds"));
            }
        }
        _ => {}
    }
}

/// Every `$ref` anywhere in `v`.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k == "$ref" {
                    out.push(child.as_str().expect("$ref is a string"));
                } else {
                    refs(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| refs(i, out)),
        _ => {}
    }
}

/// Every example in the document must fit its schema.
fn check_media_examples(doc: &Value, content: &Value, at: &str, errors: &mut Vec<String>) {
    for (media_type, media) in content.as_object().into_iter().flatten() {
        let Some(schema) = media.get("schema") else {
            continue;
        };
        if let Some(example) = media.get("example") {
            validate(
                doc,
                schema,
                example,
                &format!("{at} {media_type} example"),
                errors,
            );
        }
        for (name, ex) in media["examples"].as_object().into_iter().flatten() {
            let ex = deref(doc, ex);
            validate(
                doc,
                schema,
                &ex["value"],
                &format!("{at} {media_type} example {name}"),
                errors,
            );
        }
    }
}

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

/// `(path, METHOD)` of every `.route("…", get(…).post(…))` in the `.rs` files under `dir`.
fn routes_in_source(dir: &Path, out: &mut BTreeSet<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            routes_in_source(&path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let file = path.display().to_string();
        // Comment lines may mention `.route(` in prose.
        let source: String = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for unreadable in [".nest(", ".route_service(", ".nest_service("] {
            assert!(
                !source.contains(unreadable),
                "{file}: `{unreadable}` hides routes from this scan; list them with .route()"
            );
        }
        let mut rest = source.as_str();
        while let Some(i) = rest.find(".route(") {
            rest = &rest[i + ".route(".len()..];
            let literal = rest.trim_start();
            let literal = literal.strip_prefix('"').unwrap_or_else(|| {
                panic!(
                    "{file}: a .route( whose path is not a string literal: the scan cannot read it"
                )
            });
            let end = literal.find('"').unwrap();
            let route = literal[..end].to_owned();
            // The method router: up to the `)` that closes `.route(`.
            let after = &literal[end + 1..];
            let mut depth = 1;
            let close = after
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .unwrap_or_else(|| panic!("{file}: unclosed .route(\"{route}\""));
            let methods = &after[..close];
            let mut found = 0;
            for method in METHODS.iter().chain(&["any", "on"]) {
                let call = format!("{method}(");
                for (j, _) in methods.match_indices(&call) {
                    let before = methods[..j].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    assert!(
                        METHODS.contains(method),
                        "{file}: .route(\"{route}\", {method}(…)): name its methods so the scan can read them"
                    );
                    out.insert((route.clone(), method.to_uppercase()));
                    found += 1;
                }
            }
            assert!(
                found > 0,
                "{file}: no method found in .route(\"{route}\"{methods})"
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

/// Checks that `status` is documented for `METHOD path` and `body` fits its schema.
fn conforms(doc: &Value, method: &str, path: &str, status: u16, body: &Value) {
    let at = format!("{method} {path} → {status}");
    let op = &doc["paths"][path][method.to_lowercase()];
    assert!(op.is_object(), "{at}: not documented");
    let response = op["responses"]
        .get(status.to_string())
        .unwrap_or_else(|| panic!("{at}: status not documented: {body}"));
    let response = deref(doc, response);
    let mut errors = Vec::new();
    match response["content"].get("application/json") {
        Some(media) => validate(doc, &media["schema"], body, "body", &mut errors),
        None => assert!(
            body.is_null() || response["content"].is_object(),
            "{at}: documented without a body, answered {body}"
        ),
    }
    assert!(errors.is_empty(), "{at}: {}\n{body:#}", errors.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_answers_fit_the_documented_schemas() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = fetch_document(&app).await;
    let mut seen = BTreeMap::<(String, String), BTreeSet<u16>>::new();
    let mut call = async |method: Method, template: &str, path: &str, body: Option<Value>| {
        let mut request = app.req(method.clone(), path);
        if let Some(b) = body {
            request = request.json(&b);
        }
        let (status, v) = json_of(request.send().await.unwrap()).await;
        conforms(&doc, method.as_str(), template, status, &v);
        seen.entry((method.to_string(), template.to_owned()))
            .or_default()
            .insert(status);
        (status, v)
    };

    let (s, group) = call(
        Method::POST,
        "/groups",
        "/api/v1/groups",
        Some(json!({"code": "news", "name": "Newsletter"})),
    )
    .await;
    assert_eq!(s, 201);
    let gid = group["id"].as_i64().unwrap();
    let g = format!("/api/v1/groups/{gid}");
    assert_eq!(
        call(Method::GET, "/groups", "/api/v1/groups", None).await.0,
        200
    );
    assert_eq!(call(Method::GET, "/groups/{id}", &g, None).await.0, 200);
    assert_eq!(
        call(
            Method::PATCH,
            "/groups/{id}",
            &g,
            Some(json!({"name": "News"}))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            Method::POST,
            "/groups",
            "/api/v1/groups",
            Some(json!({"code": "NEWS"}))
        )
        .await
        .0,
        409
    );

    let (s, anna) = call(
        Method::POST,
        "/contacts",
        "/api/v1/contacts",
        Some(json!({"first_name": "Anna", "last_name": "Huber", "sms_number": "0676 1234567", "fields": {"city": "Wien"}, "groups": ["NEWS"]})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, cleo) = call(
        Method::POST,
        "/contacts",
        "/api/v1/contacts",
        Some(json!({"first_name": "Cleo", "whatsapp_number": "0664 7654321"})),
    )
    .await;
    assert_eq!(s, 201);
    let (a, c) = (anna["id"].as_i64().unwrap(), cleo["id"].as_i64().unwrap());
    let (st, e) = call(
        Method::POST,
        "/contacts",
        "/api/v1/contacts",
        Some(json!({"sms_number": "+43 676 1234567"})),
    )
    .await;
    assert_eq!(st, 409, "a number belongs to one contact: {e}");
    let anna_url = format!("/api/v1/contacts/{a}");
    assert_eq!(
        call(
            Method::GET,
            "/contacts",
            "/api/v1/contacts?search=Huber&limit=10",
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(Method::GET, "/contacts/{id}", &anna_url, None).await.0,
        200
    );
    assert_eq!(
        call(
            Method::PATCH,
            "/contacts/{id}",
            &anna_url,
            Some(json!({"last_name": null}))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            Method::PUT,
            "/contacts/{id}",
            &anna_url,
            Some(json!({"first_name": "Anna", "sms_number": "+436761234567", "groups": ["NEWS"]}))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            Method::POST,
            "/contacts",
            "/api/v1/contacts",
            Some(json!({"sms_number": "12x"}))
        )
        .await
        .0,
        422
    );
    assert_eq!(
        call(
            Method::GET,
            "/contacts/{id}",
            "/api/v1/contacts/999999",
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call(Method::GET, "/contacts", "/api/v1/contacts?page=2", None)
            .await
            .0,
        400
    );
    assert_eq!(
        call(Method::GET, "/contacts", "/api/v1/contacts?limit=0", None)
            .await
            .0,
        422
    );

    let members = format!("{g}/members");
    assert_eq!(
        call(
            Method::POST,
            "/groups/{id}/members",
            &members,
            Some(json!({"contacts": [c, 999]}))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(Method::GET, "/groups/{id}/members", &members, None)
            .await
            .0,
        200
    );
    assert_eq!(
        call(
            Method::POST,
            "/groups/{id}/members/remove",
            &format!("{members}/remove"),
            Some(json!({"contacts": [c]}))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            Method::DELETE,
            "/groups/{id}/members",
            &members,
            Some(json!({"contacts": [a]}))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            Method::POST,
            "/groups/{id}/members",
            &members,
            Some(json!({"contacts": [a]}))
        )
        .await
        .0,
        200
    );

    let (s, sent) = call(
        Method::POST,
        "/sends",
        "/api/v1/sends",
        Some(json!({
            "channel": "sms", "text": "Hallo {{first_name}}!", "sender": "bote", "client_message_id": "doc-1",
            "schedule_at": "2099-01-01T00:00:00Z",
            "window": {"days": ["mon", "fri"], "from": "20:00", "to": "06:00"},
            "to": {"numbers": ["0676 1000001", "12x"], "contacts": [a, c], "groups": ["NEWS"]}
        })),
    )
    .await;
    assert_eq!(s, 202);
    assert!(
        sent["sms"].is_object() && !sent["skipped"].as_array().unwrap().is_empty(),
        "{sent}"
    );
    let sid = sent["id"].as_i64().unwrap();
    let (s, typed) = call(
        Method::POST,
        "/sends",
        "/api/v1/sends",
        Some(json!({"channel": "sms", "text": "Grüße €", "sender": {"address": "4367612345678", "type": "international"}, "test": true, "to": {"numbers": ["0676 1000001"]}})),
    )
    .await;
    assert_eq!(s, 202, "{typed}");
    let (s, ucs2) = call(Method::POST, "/sends", "/api/v1/sends", Some(json!({"channel": "sms", "text": "Hallo 👋", "test": true, "to": {"numbers": ["0676 1000001"]}}))).await;
    assert_eq!(
        (s, ucs2["sms"]["ucs2_trigger"].is_object()),
        (202, true),
        "{ucs2}"
    );
    assert_eq!(
        call(
            Method::POST,
            "/sends",
            "/api/v1/sends",
            Some(json!({"channel": "sms", "text": "x", "to": {}}))
        )
        .await
        .0,
        422
    );
    let s = format!("/api/v1/sends/{sid}");
    assert_eq!(
        call(Method::GET, "/sends", "/api/v1/sends", None).await.0,
        200
    );
    assert_eq!(call(Method::GET, "/sends/{id}", &s, None).await.0, 200);
    assert_eq!(
        call(
            Method::POST,
            "/sends/{id}/pause",
            &format!("{s}/pause"),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            Method::POST,
            "/sends/{id}/resume",
            &format!("{s}/resume"),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            Method::POST,
            "/sends/{id}/cancel",
            &format!("{s}/cancel"),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            Method::POST,
            "/sends/{id}/resume",
            &format!("{s}/resume"),
            None
        )
        .await
        .0,
        409,
        "a cancelled send stays cancelled"
    );
    let (st, messages) = call(
        Method::GET,
        "/messages",
        &format!("/api/v1/messages?send={sid}"),
        None,
    )
    .await;
    assert_eq!(st, 200);
    let mid = messages["data"][0]["id"].as_i64().unwrap();
    assert_eq!(
        call(
            Method::GET,
            "/messages/{id}",
            &format!("/api/v1/messages/{mid}"),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            Method::GET,
            "/messages",
            "/api/v1/messages?status=nope",
            None
        )
        .await
        .0,
        422
    );

    // Bodies that are not JSON, or not JSON at all.
    let (st, e) = json_of(
        app.req(Method::POST, "/api/v1/contacts")
            .body("{")
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "POST", "/contacts", st, &e);
    assert_eq!(st, 400);
    let (st, e) = json_of(
        app.req(Method::POST, "/api/v1/contacts")
            .body("x")
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "POST", "/contacts", st, &e);
    assert_eq!(st, 415);

    // A token with too little scope.
    let reader = app.token_for(TokenScope::ReadOnly).await;
    let (st, e) = json_of(
        app.req_as(&reader, Method::POST, "/api/v1/sends")
            .json(&json!({"channel": "sms", "text": "x", "to": {"numbers": ["0676 1000001"]}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "POST", "/sends", st, &e);
    assert_eq!(st, 403);

    // CSV in and out.
    let csv =
        "first_name,last_name,sms_number,groups\nBert,Maier,0676 2000002,NEWS\nBad,Row,12x,\n";
    let (st, report) = json_of(
        app.req(Method::POST, "/api/v1/contacts/import")
            .body(csv)
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "POST", "/contacts/import", st, &report);
    assert_eq!(
        (st, report["rejected_count"].as_u64()),
        (200, Some(1)),
        "{report}"
    );
    let (st, e) = json_of(
        app.req(Method::POST, "/api/v1/contacts/import")
            .body("a,b\n1,2,3\n")
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "POST", "/contacts/import", st, &e);
    assert_eq!(st, 422);
    let export = app
        .req(Method::GET, "/api/v1/contacts/export?group=news")
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let documented_type = doc["paths"]["/contacts/export"]["get"]["responses"]["200"]["content"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    assert!(
        export.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(&documented_type)
    );

    // Account managers.
    app.user("boss", "manager-password", UserRole::AccountManager)
        .await;
    let as_manager = |m: Method, p: &str| {
        app.client
            .request(m, app.url(p))
            .basic_auth("boss", Some("manager-password"))
    };
    let (st, list) = json_of(
        as_manager(Method::GET, "/api/v1/admin/accounts")
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "GET", "/admin/accounts", st, &list);
    assert_eq!(st, 200);
    let (st, account) = json_of(
        as_manager(Method::POST, "/api/v1/admin/accounts")
            .json(&json!({"name": "bakery", "kind": "test", "verified_number": "0676 1234567"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "POST", "/admin/accounts", st, &account);
    assert_eq!(st, 201);
    let (st, e) = json_of(
        as_manager(Method::GET, "/api/v1/contacts")
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "GET", "/contacts", st, &e);
    assert_eq!(st, 403);

    let call = async |method: Method, template: &str, path: &str| {
        let (status, v) = json_of(app.req(method.clone(), path).send().await.unwrap()).await;
        conforms(&doc, method.as_str(), template, status, &v);
        status
    };
    assert_eq!(call(Method::DELETE, "/contacts/{id}", &anna_url).await, 204);
    assert_eq!(call(Method::DELETE, "/groups/{id}", &g).await, 204);
    assert_eq!(call(Method::DELETE, "/groups/{id}", &g).await, 404);
    assert_eq!(
        call(Method::GET, "/channels", "/api/v1/channels").await,
        200
    );
    assert!(seen.len() >= 15, "{seen:?}");
}

/// `GET /channels` with an SMPP connection, as a tenant and as an account manager (who
/// also sees the SMSC's address).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_answers_fit_the_documented_schema() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let smpp = bote::config::parse_smpp_urls(&format!(
        "smpp://bote:secret@127.0.0.1:{port}?name=main&routes=43676"
    ))
    .unwrap();
    let app = support::spawn_app_with(Backend::Sqlite, move |c| c.smpp = smpp).await;
    let doc = fetch_document(&app).await;
    let (st, list) = app.get_json("/api/v1/channels").await;
    conforms(&doc, "GET", "/channels", st, &list);
    assert_eq!((st, list.as_array().unwrap().len()), (200, 3), "{list}");
    app.user("boss", "manager-password", UserRole::AccountManager)
        .await;
    let (st, list) = json_of(
        app.client
            .get(app.url("/api/v1/channels"))
            .basic_auth("boss", Some("manager-password"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "GET", "/channels", st, &list);
    assert_eq!(list[1]["smsc"]["port"], port, "{list}");
}
