//! `/api/v1/admin/numbers`: account managers register WhatsApp Cloud API numbers (R1: the
//! account manager sets up the add-on) and other business numbers; credentials go in and
//! never come out, and only account managers may do it.

mod support;

use bote_domain::{TokenScope, UserRole};
use reqwest::Method;
use serde_json::{Value, json};
use support::{Backend, TestApp, json_of, spawn_app};

const MANAGER: (&str, &str) = ("boss", "manager-password");

async fn as_manager(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app
        .client
        .request(method, app.url(path))
        .basic_auth(MANAGER.0, Some(MANAGER.1));
    if let Some(b) = body {
        req = req.json(&b);
    }
    json_of(req.send().await.unwrap()).await
}

fn cloud_number() -> Value {
    json!({
        "account": "acme",
        "channel": "whatsapp",
        "number": "0800 100100",
        "phone_number_id": "106540352242922",
        "access_token": "EAAG-very-secret-token",
        "app_secret": "app-secret-value",
        "verify_token": "verify-token-value",
        "messages_per_second": 250
    })
}

fn assert_no_secret(text: &str) {
    for secret in [
        "EAAG-very-secret-token",
        "app-secret-value",
        "verify-token-value",
    ] {
        assert!(!text.contains(secret), "a secret leaked: {text}");
    }
}

/// R1: account managers register Cloud API numbers; answers and lists never show secrets.
async fn managers_register_cloud_numbers_without_showing_secrets(backend: Backend) {
    let app = spawn_app(backend).await;
    app.user(MANAGER.0, MANAGER.1, UserRole::AccountManager)
        .await;

    let (status, added) = as_manager(
        &app,
        Method::POST,
        "/api/v1/admin/numbers",
        Some(cloud_number()),
    )
    .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["number"], "+43800100100");
    assert_eq!(added["provider_ref"], "106540352242922");
    assert_eq!(added["cloud_api"], true);
    assert_eq!(added["messages_per_second"], 250);
    assert_eq!(added["account"], app.account.id.0);
    assert_no_secret(&added.to_string());

    // The account sees it as a Cloud API number, without credentials.
    let (status, numbers) = app.get_json("/api/v1/numbers").await;
    assert_eq!(status, 200, "{numbers}");
    let cloud: Vec<&Value> = numbers
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["number"] == "+43800100100")
        .collect();
    assert_eq!(cloud.len(), 1, "{numbers}");
    assert_eq!(cloud[0]["cloud_api"], true);
    assert_no_secret(&numbers.to_string());

    // A sandbox number next to it, and an SMS short code.
    let (status, sandbox) = as_manager(
        &app,
        Method::POST,
        "/api/v1/admin/numbers",
        Some(json!({"account": "acme", "channel": "whatsapp", "number": "+43800200200"})),
    )
    .await;
    assert_eq!(status, 201, "{sandbox}");
    assert_eq!(sandbox["cloud_api"], false);
    let (status, sms) = as_manager(
        &app,
        Method::POST,
        "/api/v1/admin/numbers",
        Some(json!({"account": "acme", "channel": "sms", "number": "0828"})),
    )
    .await;
    assert_eq!(
        (status, sms["number"].as_str()),
        (201, Some("0828")),
        "{sms}"
    );

    // The webhook of the new number answers its handshake at once.
    let verified = app
        .client
        .get(app.url("/webhooks/whatsapp/106540352242922"))
        .query(&[
            ("hub.mode", "subscribe"),
            ("hub.verify_token", "verify-token-value"),
            ("hub.challenge", "42"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(verified.status(), 200);

    // Taken numbers and phone number ids: 409.
    let (status, e) = as_manager(
        &app,
        Method::POST,
        "/api/v1/admin/numbers",
        Some(cloud_number()),
    )
    .await;
    assert_eq!(status, 409, "{e}");
    let mut same_id = cloud_number();
    same_id["number"] = json!("+43800300300");
    let (status, e) = as_manager(&app, Method::POST, "/api/v1/admin/numbers", Some(same_id)).await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["field"], "phone_number_id", "{e}");

    // Bad input names its field, never echoing a secret.
    let mut missing = cloud_number();
    missing["number"] = json!("+43800400400");
    missing.as_object_mut().unwrap().remove("app_secret");
    let mut spaced = cloud_number();
    spaced["number"] = json!("+43800400400");
    spaced["access_token"] = json!("EAAG very-secret-token");
    let mut rate = cloud_number();
    rate["number"] = json!("+43800400400");
    rate["messages_per_second"] = json!(1001);
    for (body, field) in [
        (missing, "app_secret"),
        (spaced, "access_token"),
        (rate, "messages_per_second"),
        (
            json!({"account": "nobody", "channel": "sms", "number": "0828"}),
            "account",
        ),
        (
            json!({"account": "acme", "channel": "whatsapp", "number": "12x"}),
            "number",
        ),
    ] {
        let (status, e) = as_manager(
            &app,
            Method::POST,
            "/api/v1/admin/numbers",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 422, "{body} → {e}");
        assert_eq!(e["error"]["field"], field, "{e}");
        assert!(!e.to_string().contains("very-secret"), "{e}");
    }

    // Removing: 204, then its webhook is gone; unknown ids 404.
    let id = added["id"].as_i64().unwrap();
    let (status, _) = as_manager(
        &app,
        Method::DELETE,
        &format!("/api/v1/admin/numbers/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = as_manager(
        &app,
        Method::DELETE,
        &format!("/api/v1/admin/numbers/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let gone = app
        .client
        .get(app.url("/webhooks/whatsapp/106540352242922"))
        .query(&[
            ("hub.mode", "subscribe"),
            ("hub.verify_token", "verify-token-value"),
            ("hub.challenge", "42"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
}

/// Account managers only: an account's own token, even with full scope, gets 403.
async fn business_tokens_may_not_register_numbers(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, e) = app.post_json("/api/v1/admin/numbers", cloud_number()).await;
    assert_eq!(status, 403, "{e}");
    let (_, other) = app.other_account("other", TokenScope::Full).await;
    let (status, _) = json_of(
        app.req_as(&other, Method::DELETE, "/api/v1/admin/numbers/1")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    let (_, numbers) = app.get_json("/api/v1/numbers").await;
    assert_eq!(
        numbers.as_array().unwrap().len(),
        1,
        "nothing was added to the harness's own number: {numbers}"
    );
}

on_both_backends!(
    managers_register_cloud_numbers_without_showing_secrets,
    business_tokens_may_not_register_numbers,
);
