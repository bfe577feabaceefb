//! Groups and bulk memberships through the HTTP API (R15).

mod support;

use reqwest::Method;
use serde_json::json;
use support::{Backend, json_of, spawn_app};

async fn groups_and_bulk_membership(backend: Backend) {
    let app = spawn_app(backend).await;
    let g = app.create_group("Kunden").await;
    assert_eq!(g["code"], "KUNDEN");
    assert_eq!(g["name"], "KUNDEN");
    let gid = g["id"].as_i64().unwrap();

    let (status, e) = app
        .post_json("/api/v1/groups", json!({"code": "kunden", "name": "Dupe"}))
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (409, Some("conflict")),
        "case-insensitive: {e}"
    );
    let (status, e) = app
        .post_json("/api/v1/groups", json!({"code": "two words"}))
        .await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("code")));

    let mut ids = Vec::new();
    for i in 0..5 {
        let c = app
            .create_contact(json!({"sms_number": format!("0676 20000{i:02}")}))
            .await;
        ids.push(c["id"].as_i64().unwrap());
    }
    let (status, r) = app
        .post_json(
            &format!("/api/v1/groups/{gid}/members"),
            json!({"contacts": [ids[0], ids[1], ids[2], 999999]}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["changed"], 3);
    assert_eq!(r["unknown_contacts"], json!([999999]));
    let (_, r) = app
        .post_json(
            &format!("/api/v1/groups/{gid}/members"),
            json!({"contacts": [ids[0], ids[3]]}),
        )
        .await;
    assert_eq!(r["changed"], 1, "an existing member is not added twice");

    let (_, g) = app.get_json(&format!("/api/v1/groups/{gid}")).await;
    assert_eq!(g["member_count"], 4);
    let (_, members) = app.get_json(&format!("/api/v1/groups/{gid}/members")).await;
    assert_eq!(members["data"].as_array().unwrap().len(), 4);

    let resp = app
        .req(Method::DELETE, &format!("/api/v1/groups/{gid}/members"))
        .json(&json!({"contacts": [ids[0], ids[4]]}))
        .send()
        .await
        .unwrap();
    let (status, r) = json_of(resp).await;
    assert_eq!((status, r["changed"].as_i64()), (200, Some(1)));
    let (_, r) = app
        .post_json(
            &format!("/api/v1/groups/{gid}/members/remove"),
            json!({"contacts": [ids[1]]}),
        )
        .await;
    assert_eq!(r["changed"], 1);

    // A contact in several groups (R15); renaming a code; deleting a group keeps contacts.
    let other = app.create_group("news").await;
    app.post_json(
        &format!("/api/v1/groups/{}/members", other["id"]),
        json!({"contacts": [ids[2]]}),
    )
    .await;
    let (_, c) = app.get_json(&format!("/api/v1/contacts/{}", ids[2])).await;
    assert_eq!(c["groups"], json!(["KUNDEN", "NEWS"]));
    let resp = app
        .req(Method::PATCH, &format!("/api/v1/groups/{gid}"))
        .json(&json!({"code": "stamm", "name": "Stammkunden"}))
        .send()
        .await
        .unwrap();
    let (status, g) = json_of(resp).await;
    assert_eq!(
        (status, g["code"].as_str(), g["name"].as_str()),
        (200, Some("STAMM"), Some("Stammkunden"))
    );
    let resp = app
        .req(Method::DELETE, &format!("/api/v1/groups/{gid}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let (_, c) = app.get_json(&format!("/api/v1/contacts/{}", ids[2])).await;
    assert_eq!(c["groups"], json!(["NEWS"]));
    let (_, list) = app.get_json("/api/v1/groups").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}

on_both_backends!(groups_and_bulk_membership);
