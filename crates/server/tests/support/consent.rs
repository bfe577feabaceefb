//! Customers writing to a WhatsApp business number through the sandbox inbound route, and
//! what the consent tests read back: opt-ins, the ledger, contacts, replies.

use bote_domain::ChannelKind;
use bote_store::NewBusinessNumber;
use serde_json::{Value, json};

use super::{Backend, TestApp, eventually, spawn_app};

pub const BUSINESS: &str = "+43800100100";

pub async fn app_with_number(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    app.store
        .add_business_number(
            app.account.id,
            NewBusinessNumber::plain(ChannelKind::Whatsapp, BUSINESS),
        )
        .await
        .unwrap();
    app
}

/// A customer's WhatsApp message to the business number, through the sandbox route.
pub async fn write(app: &TestApp, from: &str, text: &str) -> Value {
    let (status, r) = app
        .post_json(
            "/api/v1/sandbox/inbound",
            json!({"channel": "whatsapp", "from": from, "to": BUSINESS, "text": text}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    r
}

pub async fn whatsapp_send(app: &TestApp, to: Value) -> Value {
    let (status, r) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "whatsapp", "text": "Neu bei uns 🎉", "to": to}),
        )
        .await;
    assert_eq!(status, 202, "{r}");
    r
}

/// Waits until the number's sandbox WhatsApp inbox holds a message containing `part`.
pub async fn reply_containing(app: &TestApp, number: &str, part: &str) -> String {
    let inbox = app.sandbox.whatsapp.inbox();
    eventually(10, &format!("a reply with '{part}' to {number}"), || {
        let found = inbox
            .messages(number)
            .into_iter()
            .find(|m| m.text.contains(part))
            .map(|m| m.text);
        async move { found }
    })
    .await
}

pub async fn ledger(app: &TestApp, number: &str) -> Value {
    let path = format!("/api/v1/optins/{}/ledger", number.replace('+', "%2B"));
    let (status, l) = app.get_json(&path).await;
    assert_eq!(status, 200, "{l}");
    l
}

pub fn events(ledger: &Value) -> Vec<String> {
    ledger["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn contact_with(app: &TestApp, number: &str) -> Value {
    let (_, page) = app
        .get_json(&format!(
            "/api/v1/contacts?search={}",
            number.replace('+', "%2B")
        ))
        .await;
    let all = page["data"].as_array().unwrap();
    assert_eq!(all.len(), 1, "one contact with {number}: {page}");
    all[0].clone()
}
