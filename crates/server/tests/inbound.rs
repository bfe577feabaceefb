//! Business numbers and inbound messages through the API: the sandbox handset, routing to
//! the number's account, and isolation between accounts.

mod support;

use bote_domain::{ChannelKind, TokenScope};
use bote_store::NewBusinessNumber;
use reqwest::Method;
use serde_json::json;
use support::{Backend, json_of, spawn_app};

async fn sandbox_messages_reach_the_number_s_account_only(backend: Backend) {
    let app = spawn_app(backend).await;
    app.store
        .add_business_number(
            app.account.id,
            NewBusinessNumber::plain(ChannelKind::Whatsapp, "+43800100100")
                .with_provider_ref("1096"),
        )
        .await
        .unwrap();
    let (status, numbers) = app.get_json("/api/v1/numbers").await;
    assert_eq!(status, 200, "{numbers}");
    let added = numbers
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["number"] == "+43800100100")
        .expect("the number is listed");
    assert_eq!(added["channel"], "whatsapp");

    let (status, r) = app
        .post_json(
            "/api/v1/sandbox/inbound",
            json!({"channel": "whatsapp", "from": "0676 1000001", "to": "+43 800 100100", "text": "  START NEWS "}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["from"], "+436761000001");
    assert_eq!(r["to"], "+43800100100");
    assert_eq!(r["text"], "START NEWS");
    assert_eq!(r["connection"], "sandbox-whatsapp");
    assert_eq!(r["account"], app.account.id.0);

    let (status, page) = app.get_json("/api/v1/inbound?from=0676%201000001").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["data"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(page["data"][0]["id"], r["id"]);

    // Wrong inputs name their field.
    for (body, field, code) in [
        (
            json!({"channel": "whatsapp", "from": "0676 1000001", "to": "+43800999999", "text": "Hi"}),
            "to",
            "unknown_business_number",
        ),
        (
            json!({"channel": "sms", "from": "0676 1000001", "to": "+43800100100", "text": "Hi"}),
            "to",
            "unknown_business_number",
        ),
        (
            json!({"channel": "whatsapp", "from": "12x", "to": "+43800100100", "text": "Hi"}),
            "from",
            "invalid_number",
        ),
        (
            json!({"channel": "whatsapp", "from": "0676 1000001", "to": "+43800100100", "text": " "}),
            "text",
            "invalid_text",
        ),
    ] {
        let (status, e) = app.post_json("/api/v1/sandbox/inbound", body.clone()).await;
        assert_eq!(status, 422, "{body} → {e}");
        assert_eq!(e["error"]["field"], field, "{e}");
        assert_eq!(e["error"]["code"], code, "{e}");
    }

    // Another account neither sees the message nor may write to A's number.
    let (_, other) = app.other_account("other", TokenScope::Full).await;
    let (status, page) = json_of(
        app.req_as(&other, Method::GET, "/api/v1/inbound")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["data"], json!([]), "{page}");
    let (status, e) = json_of(
        app.req_as(&other, Method::POST, "/api/v1/sandbox/inbound")
            .json(&json!({"channel": "whatsapp", "from": "0676 1000001", "to": "+43800100100", "text": "STOP"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422, "{e}");
    let (_, numbers) = json_of(
        app.req_as(&other, Method::GET, "/api/v1/numbers")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(numbers, json!([]));
    // A read-only token may read but not send as a handset.
    let (_, reader) = app.other_account("reader", TokenScope::ReadOnly).await;
    let (status, _) = json_of(
        app.req_as(&reader, Method::POST, "/api/v1/sandbox/inbound")
            .json(&json!({"channel": "whatsapp", "from": "0676 1000001", "to": "+43800100100", "text": "x"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
}

on_both_backends!(sandbox_messages_reach_the_number_s_account_only);
