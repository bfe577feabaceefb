//! The WhatsApp Cloud API webhook, `/webhooks/whatsapp/{phone_number_id}`, over real HTTP on
//! both back ends: Meta's verification handshake, signed POSTs only, every entry and change
//! of a batch, status events as receipts, inbound messages of every type, and Meta's
//! redeliveries kept once. Shared here: a Cloud API number and Meta-shaped, signed payloads;
//! `access` (handshake, signatures, other apps), `statuses`, `inbound`.

#[path = "../support/mod.rs"]
mod support;

mod access;
mod inbound;
mod statuses;

use bote_domain::{ChannelKind, MessageId};
use bote_store::{
    BusinessNumber, ClaimToken, CloudCredentials, InboundQuery, NewBusinessNumber, Outcome, Secret,
};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use support::{Backend, TestApp, json_of, spawn_app};

pub(crate) const PHONE_NUMBER_ID: &str = "106540352242922";
pub(crate) const NUMBER: &str = "+43800100100";
pub(crate) const APP_SECRET: &str = "app-secret-of-the-meta-app";
pub(crate) const VERIFY_TOKEN: &str = "verify-me-please";

/// The app with a Cloud API number of acme's.
pub(crate) async fn cloud_app(backend: Backend) -> (TestApp, BusinessNumber) {
    let app = spawn_app(backend).await;
    let number = app
        .store
        .add_business_number(
            app.account.id,
            NewBusinessNumber {
                cloud: Some(CloudCredentials {
                    access_token: Secret::new("EAAG-token"),
                    app_secret: Secret::new(APP_SECRET),
                    verify_token: Secret::new(VERIFY_TOKEN),
                }),
                ..NewBusinessNumber::plain(ChannelKind::Whatsapp, NUMBER)
                    .with_provider_ref(PHONE_NUMBER_ID)
            },
        )
        .await
        .unwrap();
    (app, number)
}

/// Meta's signature, computed here independently of bote's code.
pub(crate) fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub(crate) async fn post_raw(
    app: &TestApp,
    body: &[u8],
    signature: Option<String>,
) -> (u16, Value) {
    post_raw_to(app, PHONE_NUMBER_ID, body, signature).await
}

/// POSTs `body` to the webhook of the number with `phone_number_id`.
async fn post_raw_to(
    app: &TestApp,
    phone_number_id: &str,
    body: &[u8],
    signature: Option<String>,
) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url(&format!("/webhooks/whatsapp/{phone_number_id}")))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(s) = signature {
        req = req.header("X-Hub-Signature-256", s);
    }
    json_of(req.send().await.unwrap()).await
}

/// POSTs `body` signed with the number's app secret, as Meta does.
pub(crate) async fn post_signed(app: &TestApp, body: &Value) -> (u16, Value) {
    post_signed_to(app, PHONE_NUMBER_ID, APP_SECRET, body).await
}

/// POSTs `body` to the webhook of `phone_number_id`, signed with `app_secret`.
pub(crate) async fn post_signed_to(
    app: &TestApp,
    phone_number_id: &str,
    app_secret: &str,
    body: &Value,
) -> (u16, Value) {
    let raw = body.to_string().into_bytes();
    let signature = signature(app_secret, &raw);
    post_raw_to(app, phone_number_id, &raw, Some(signature)).await
}

pub(crate) fn notification(entries: Vec<Value>) -> Value {
    json!({"object": "whatsapp_business_account", "entry": entries})
}

pub(crate) fn entry(changes: Vec<Value>) -> Value {
    json!({"id": "WABA-1", "changes": changes})
}

pub(crate) fn change(messages: Value, statuses: Value) -> Value {
    json!({"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "43800100100", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Max"}, "wa_id": "436641000001"}],
        "messages": messages,
        "statuses": statuses
    }})
}

pub(crate) fn text(from: &str, wamid: &str, body: &str) -> Value {
    json!({"from": from, "id": wamid, "timestamp": "1750857384", "type": "text", "text": {"body": body}})
}

pub(crate) fn status_event(wamid: &str, status: &str) -> Value {
    json!({"id": wamid, "status": status, "timestamp": "1750857390", "recipient_id": "436641000001",
           "conversation": {"id": "c1", "origin": {"type": "marketing"}}, "pricing": {"billable": true}})
}

/// A notification of one status event of the first number.
pub(crate) fn one_status(wamid: &str, status: &str) -> Value {
    notification(vec![entry(vec![change(
        json!([]),
        json!([status_event(wamid, status)]),
    )])])
}

pub(crate) async fn inbound_count(app: &TestApp) -> usize {
    app.store
        .list_inbound(
            app.account.id,
            InboundQuery {
                limit: 100,
                ..InboundQuery::default()
            },
        )
        .await
        .unwrap()
        .items
        .len()
}
