//! Contacts through the HTTP API, on both stores (R15).

mod support;

use reqwest::Method;
use serde_json::json;
use support::{Backend, json_of, spawn_app};

async fn crud_round_trip(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_group("news").await;
    let c = app
        .create_contact(json!({
            "first_name": " Anna ", "last_name": "Huber",
            "sms_number": "0676 1234567", "whatsapp_number": "+43 664 7654321",
            "fields": {"plz": "1010"}, "groups": ["NEWS"]
        }))
        .await;
    assert_eq!(c["first_name"], "Anna");
    assert_eq!(
        c["sms_number"], "+436761234567",
        "numbers come back in E.164"
    );
    assert_eq!(c["whatsapp_number"], "+436647654321");
    assert_eq!(c["groups"], json!(["NEWS"]));
    assert_eq!(c["fields"]["plz"], "1010");
    let id = c["id"].as_i64().unwrap();

    let (status, got) = app.get_json(&format!("/api/v1/contacts/{id}")).await;
    assert_eq!((status, &got), (200, &c));

    // PATCH changes only what it names; null clears.
    let resp = app
        .req(Method::PATCH, &format!("/api/v1/contacts/{id}"))
        .json(&json!({"last_name": null, "sms_number": "0043 676 1111111"}))
        .send()
        .await
        .unwrap();
    let (status, patched) = json_of(resp).await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["last_name"], serde_json::Value::Null);
    assert_eq!(patched["first_name"], "Anna");
    assert_eq!(patched["sms_number"], "+436761111111");
    assert_eq!(
        patched["groups"],
        json!(["NEWS"]),
        "groups stay when PATCH leaves them out"
    );

    // PUT replaces.
    let resp = app
        .req(Method::PUT, &format!("/api/v1/contacts/{id}"))
        .json(&json!({"whatsapp_number": "0664 7654321", "groups": []}))
        .send()
        .await
        .unwrap();
    let (status, put) = json_of(resp).await;
    assert_eq!(status, 200, "{put}");
    assert_eq!(put["first_name"], serde_json::Value::Null);
    assert_eq!(put["sms_number"], serde_json::Value::Null);
    assert_eq!(put["groups"], json!([]));

    let resp = app
        .req(Method::DELETE, &format!("/api/v1/contacts/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let (status, err) = app.get_json(&format!("/api/v1/contacts/{id}")).await;
    assert_eq!(status, 404);
    assert_eq!(err["error"]["code"], "not_found");
}

async fn bad_input_is_named(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, e) = app
        .post_json("/api/v1/contacts", json!({"sms_number": "0676 12x"}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["code"], "invalid_number");
    assert_eq!(e["error"]["field"], "sms_number");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("0676 12x"),
        "{e}"
    );

    let (status, e) = app
        .post_json("/api/v1/contacts", json!({"first_name": "No Number"}))
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("number_required"))
    );

    let (status, e) = app
        .post_json(
            "/api/v1/contacts",
            json!({"sms_number": "0676 1234567", "nickname": "x"}),
        )
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("invalid_field"))
    );
    assert!(
        e["error"]["message"].as_str().unwrap().contains("nickname"),
        "{e}"
    );

    let (status, e) = app
        .post_json("/api/v1/contacts", json!({"sms_number": 6761234567_i64}))
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("sms_number")),
        "{e}"
    );

    let (status, e) = app
        .post_json(
            "/api/v1/contacts",
            json!({"sms_number": "0676 1234567", "groups": ["NOPE"]}),
        )
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("unknown_reference")),
        "{e}"
    );

    let resp = app
        .req(Method::POST, "/api/v1/contacts")
        .header("content-type", "application/json")
        .body("{\"sms_number\": ")
        .send()
        .await
        .unwrap();
    let (status, e) = json_of(resp).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (400, Some("malformed_json")),
        "{e}"
    );

    let resp = app
        .req(Method::POST, "/api/v1/contacts")
        .body("sms_number=1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);

    let huge = "x".repeat(3 * 1024 * 1024);
    // Its own client: the server closes a connection whose body it refused unread, and a
    // pooled connection must not be reused after that.
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/contacts"))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body(format!("{{\"first_name\": \"{huge}\"}}"))
        .send()
        .await
        .unwrap();
    let (status, e) = json_of(resp).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (413, Some("body_too_large")),
        "{e}"
    );

    // The same number twice in one account is a conflict naming the field.
    app.create_contact(json!({"sms_number": "0676 2222222"}))
        .await;
    let (status, e) = app
        .post_json("/api/v1/contacts", json!({"sms_number": "+436762222222"}))
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (409, Some("sms_number")),
        "{e}"
    );

    let (status, e) = app.get_json("/api/v1/contacts?limit=5000").await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("limit")));
    let (status, _) = app.get_json("/api/v1/contacts/abc").await;
    assert_eq!(status, 400);
    // The store was never half-written: one contact exists.
    let (_, list) = app.get_json("/api/v1/contacts").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}

async fn listing_pages_searches_and_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_group("vip").await;
    for i in 0..25 {
        let groups = if i % 5 == 0 {
            json!(["VIP"])
        } else {
            json!([])
        };
        app.create_contact(json!({
            "first_name": format!("Person{i}"),
            "last_name": if i == 7 { "Müller" } else { "Maier" },
            "sms_number": format!("0676 10000{i:02}"),
            "groups": groups
        }))
        .await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/contacts?limit=10".to_owned();
    loop {
        let (status, page) = app.get_json(&path).await;
        assert_eq!(status, 200);
        for c in page["data"].as_array().unwrap() {
            seen.push(c["id"].as_i64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/contacts?limit=10&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    let mut sorted = seen.clone();
    sorted.dedup();
    assert_eq!(sorted, seen, "no duplicates across pages");

    let (_, r) = app.get_json("/api/v1/contacts?search=m%C3%BCller").await;
    assert_eq!(r["data"].as_array().unwrap().len(), 1, "{r}");
    let (_, r) = app.get_json("/api/v1/contacts?search=0676%201000007").await;
    assert_eq!(r["data"][0]["first_name"], "Person7");
    let (_, r) = app.get_json("/api/v1/contacts?search=0676%2010000").await;
    assert_eq!(
        r["data"].as_array().unwrap().len(),
        25,
        "digit prefixes match numbers"
    );
    let (_, r) = app.get_json("/api/v1/contacts?group=vip").await;
    assert_eq!(r["data"].as_array().unwrap().len(), 5);
    let (status, r) = app.get_json("/api/v1/contacts?search=%25").await;
    assert_eq!(status, 200);
    assert_eq!(
        r["data"].as_array().unwrap().len(),
        0,
        "LIKE wildcards are literal"
    );
}

on_both_backends!(
    crud_round_trip,
    bad_input_is_named,
    listing_pages_searches_and_filters
);
