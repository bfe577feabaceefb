//! The document and a small JSON Schema check: what the tests below read it with.

use serde_json::{Value, json};

use crate::support::TestApp;

pub use crate::support::source_routes::METHODS;
pub const ROLES: [&str; 4] = ["read_only", "send", "full", "account_manager"];

pub async fn fetch_document(app: &TestApp) -> Value {
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

pub fn resolve<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("only local references are used: {reference}"));
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("$ref {reference} resolves to nothing"))
}

/// Follows a `$ref` object to what it names.
pub fn deref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => deref(doc, resolve(doc, r)),
        None => v,
    }
}

/// `(path, method, operation, path item)` for every operation in the document.
pub fn operations(doc: &Value) -> Vec<(String, String, &Value, &Value)> {
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

pub fn is_public(op: &Value) -> bool {
    op["security"] == json!([])
}

// A small JSON Schema check: the keywords this document uses, minus `pattern` and `format`.
pub fn validate(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
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
pub fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
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
pub fn check_media_examples(doc: &Value, content: &Value, at: &str, errors: &mut Vec<String>) {
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

/// Checks that `status` is documented for `METHOD path` and `body` fits its schema.
pub fn conforms(doc: &Value, method: &str, path: &str, status: u16, body: &Value) {
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
