//! Every query is scoped by account: account B reaches none of account A's data, through
//! every route that takes an id or a code.

mod support;

use bote_domain::TokenScope;
use reqwest::Method;
use serde_json::json;
use support::{Backend, json_of, spawn_app};

async fn account_b_gets_404_for_everything_of_a(backend: Backend) {
    let app = spawn_app(backend).await;
    let group = app.create_group("secret").await;
    let gid = group["id"].as_i64().unwrap();
    let contact = app
        .create_contact(
            json!({"sms_number": "0676 3333333", "first_name": "Geheim", "groups": ["SECRET"]}),
        )
        .await;
    let cid = contact["id"].as_i64().unwrap();
    let (_, b) = app.other_account("other", TokenScope::Full).await;

    let body = json!({"sms_number": "0676 4444444"});
    let members = json!({"contacts": [cid]});
    let cases: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, format!("/api/v1/contacts/{cid}"), None),
        (
            Method::PUT,
            format!("/api/v1/contacts/{cid}"),
            Some(body.clone()),
        ),
        (
            Method::PATCH,
            format!("/api/v1/contacts/{cid}"),
            Some(json!({"first_name": "x"})),
        ),
        (Method::DELETE, format!("/api/v1/contacts/{cid}"), None),
        (Method::GET, format!("/api/v1/groups/{gid}"), None),
        (
            Method::PATCH,
            format!("/api/v1/groups/{gid}"),
            Some(json!({"name": "x"})),
        ),
        (Method::DELETE, format!("/api/v1/groups/{gid}"), None),
        (Method::GET, format!("/api/v1/groups/{gid}/members"), None),
        (
            Method::POST,
            format!("/api/v1/groups/{gid}/members"),
            Some(members.clone()),
        ),
        (
            Method::DELETE,
            format!("/api/v1/groups/{gid}/members"),
            Some(members.clone()),
        ),
        (
            Method::POST,
            format!("/api/v1/groups/{gid}/members/remove"),
            Some(members.clone()),
        ),
        (
            Method::GET,
            "/api/v1/contacts/export?group=SECRET".to_owned(),
            None,
        ),
    ];
    for (method, path, body) in cases {
        let mut req = app.req_as(&b, method.clone(), &path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let (status, e) = json_of(req.send().await.unwrap()).await;
        assert_eq!(status, 404, "{method} {path} as B: {e}");
        assert_eq!(e["error"]["code"], "not_found", "{method} {path}");
    }

    // Listings, searches and filters show B nothing of A.
    for path in [
        "/api/v1/contacts",
        "/api/v1/contacts?search=Geheim",
        "/api/v1/contacts?search=0676%203333333",
        "/api/v1/contacts?group=SECRET",
        "/api/v1/groups",
    ] {
        let (status, page) = json_of(app.req_as(&b, Method::GET, path).send().await.unwrap()).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(page["data"], json!([]), "{path} as B");
    }
    let export = app
        .req_as(&b, Method::GET, "/api/v1/contacts/export")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!export.contains("3333333"), "{export}");

    // B's own group cannot take A's contact.
    let (_, bg) = json_of(
        app.req_as(&b, Method::POST, "/api/v1/groups")
            .json(&json!({"code": "mine"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (status, r) = json_of(
        app.req_as(
            &b,
            Method::POST,
            &format!("/api/v1/groups/{}/members", bg["id"]),
        )
        .json(&members)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, &r["unknown_contacts"]), (200, &json!([cid])));
    // B may reuse A's number and code: uniqueness is per account.
    let (status, _) = json_of(
        app.req_as(&b, Method::POST, "/api/v1/contacts")
            .json(&json!({"sms_number": "0676 3333333"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201);

    // A's data is untouched.
    let (_, still) = app.get_json(&format!("/api/v1/contacts/{cid}")).await;
    assert_eq!(still, contact);
    let (_, g) = app.get_json(&format!("/api/v1/groups/{gid}")).await;
    assert_eq!(g["member_count"], 1);
}

on_both_backends!(account_b_gets_404_for_everything_of_a);
