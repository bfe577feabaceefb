//! Meta's webhook notification, read leniently (unknown fields ignored, every `entry` and
//! every `change`), and what bote makes of it: receipts for status events and inbound
//! messages for messages.

use bote_domain::{AccountId, ChannelKind, MessageStatus};
use bote_store::{NewInbound, ReceiptUpdate};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value as Json;

/// The connection name of messages sent through the Cloud API; their provider ids (wamids)
/// are unique across all numbers, so one name serves every number. The dispatcher records
/// sends under it and the webhook's receipts name it, so the two must agree.
pub const CLOUD_CONNECTION: &str = "whatsapp-cloud";

#[derive(Debug, Deserialize)]
pub struct Notification {
    #[serde(default)]
    pub entry: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
pub struct Entry {
    #[serde(default)]
    pub changes: Vec<Change>,
}

#[derive(Debug, Deserialize)]
pub struct Change {
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub value: Option<ChangeValue>,
}

#[derive(Debug, Deserialize)]
pub struct ChangeValue {
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub messages: Vec<Message>,
    #[serde(default)]
    pub statuses: Vec<Status>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    #[serde(default)]
    pub phone_number_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Message {
    /// The sender's WhatsApp id: their number in digits.
    pub from: String,
    /// The wamid.
    pub id: String,
    #[serde(default)]
    pub timestamp: Option<Json>,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub text: Option<TextBody>,
    #[serde(default)]
    pub image: Option<Media>,
    #[serde(default)]
    pub video: Option<Media>,
    #[serde(default)]
    pub document: Option<Media>,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub contacts: Option<Vec<SharedContact>>,
    #[serde(default)]
    pub interactive: Option<Interactive>,
    #[serde(default)]
    pub button: Option<Button>,
    #[serde(default)]
    pub reaction: Option<Reaction>,
}

#[derive(Debug, Deserialize)]
pub struct TextBody {
    pub body: String,
}

#[derive(Debug, Deserialize)]
pub struct Media {
    #[serde(default)]
    pub caption: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SharedContact {
    #[serde(default)]
    pub name: Option<ContactName>,
}

#[derive(Debug, Deserialize)]
pub struct ContactName {
    #[serde(default)]
    pub formatted_name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Interactive {
    #[serde(default)]
    pub button_reply: Option<Reply>,
    #[serde(default)]
    pub list_reply: Option<Reply>,
}

#[derive(Debug, Deserialize)]
pub struct Reply {
    pub title: String,
}

#[derive(Debug, Deserialize)]
pub struct Button {
    pub text: String,
}

#[derive(Debug, Deserialize)]
pub struct Reaction {
    #[serde(default)]
    pub emoji: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Status {
    /// The wamid of the message it reports on.
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub timestamp: Option<Json>,
    #[serde(default)]
    pub errors: Vec<StatusError>,
}

#[derive(Debug, Deserialize)]
pub struct StatusError {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub title: Option<String>,
}

/// What one notification asks bote to store.
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookEvent {
    Receipt(ReceiptUpdate),
    Inbound(NewInbound),
}

/// Reads the raw body; the error names where it is malformed (`entry[0].changes[1]…`).
pub fn parse(body: &[u8]) -> Result<Notification, String> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        if e.inner().is_syntax() || e.inner().is_eof() {
            format!("not valid JSON: {}", e.inner())
        } else if path == "." {
            format!("not a webhook notification: {}", e.inner())
        } else {
            format!("webhook notification at {path}: {}", e.inner())
        }
    })
}

/// The business number a change is for, and the account it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub number: String,
    pub account: AccountId,
}

/// Every event of every change of every entry, in order. `owner` gives the business
/// number a change's `metadata` names, with its account; a change it gives none for is
/// skipped. A status reaches only messages of that account.
pub fn events_of(
    notification: Notification,
    owner: impl Fn(Option<&Metadata>) -> Option<Owner>,
) -> Vec<WebhookEvent> {
    let mut events = Vec::new();
    for change in notification.entry.into_iter().flat_map(|e| e.changes) {
        if change.field.as_deref().is_some_and(|f| f != "messages") {
            tracing::debug!(field = ?change.field, "WhatsApp webhook change of another field ignored");
            continue;
        }
        let Some(value) = change.value else { continue };
        let Some(owner) = owner(value.metadata.as_ref()) else {
            continue;
        };
        for status in value.statuses {
            match receipt_of(status, owner.account) {
                Some(update) => events.push(WebhookEvent::Receipt(update)),
                None => tracing::debug!("WhatsApp status of no known kind ignored"),
            }
        }
        for message in value.messages {
            events.push(WebhookEvent::Inbound(inbound_of(message, &owner.number)));
        }
    }
    events
}

/// `sent` changes nothing (the send's answer said so already); `failed` keeps Meta's code.
fn receipt_of(status: Status, account: AccountId) -> Option<ReceiptUpdate> {
    let (status_now, error_code) = match status.status.as_str() {
        "sent" => (MessageStatus::Sent, None),
        "delivered" => (MessageStatus::Delivered, None),
        "read" => (MessageStatus::Read, None),
        "failed" => {
            let first = status.errors.first();
            if let Some(e) = first {
                tracing::info!(wamid = %status.id, code = ?e.code, title = ?e.title, "WhatsApp message failed");
            }
            (
                MessageStatus::Failed,
                Some(
                    first
                        .and_then(|e| e.code)
                        .map_or_else(|| "failed".to_owned(), |c| c.to_string()),
                ),
            )
        }
        _ => return None,
    };
    Some(ReceiptUpdate {
        connection: CLOUD_CONNECTION.to_owned(),
        provider_ids: vec![status.id],
        status: status_now,
        error_code,
        at: time_of(status.timestamp.as_ref()),
        account: Some(account),
    })
}

fn inbound_of(m: Message, to: &str) -> NewInbound {
    let text = text_of(&m);
    NewInbound {
        channel: ChannelKind::Whatsapp,
        connection: CLOUD_CONNECTION.to_owned(),
        from: format!("+{}", m.from.trim_start_matches('+')),
        to: to.to_owned(),
        received_at: time_of(m.timestamp.as_ref()),
        text,
        kind: m.kind,
        provider_id: Some(m.id),
    }
}

/// The readable part of a message of any type: text, caption, button or reply title,
/// location as `lat,lon name`, shared contacts' names, a reaction's emoji.
fn text_of(m: &Message) -> Option<String> {
    let caption = |media: &Option<Media>| media.as_ref().and_then(|x| x.caption.clone());
    match m.kind.as_str() {
        "text" => m.text.as_ref().map(|t| t.body.clone()),
        "image" => caption(&m.image),
        "video" => caption(&m.video),
        "document" => caption(&m.document),
        "button" => m.button.as_ref().map(|b| b.text.clone()),
        "interactive" => m.interactive.as_ref().and_then(|i| {
            i.button_reply
                .as_ref()
                .or(i.list_reply.as_ref())
                .map(|r| r.title.clone())
        }),
        "location" => m.location.as_ref().map(|l| match &l.name {
            Some(name) => format!("{},{} {name}", l.latitude, l.longitude),
            None => format!("{},{}", l.latitude, l.longitude),
        }),
        "contacts" => m.contacts.as_ref().map(|cs| {
            cs.iter()
                .filter_map(|c| c.name.as_ref()?.formatted_name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        }),
        "reaction" => m.reaction.as_ref().and_then(|r| r.emoji.clone()),
        _ => None,
    }
    .filter(|t| !t.is_empty())
}

/// Meta's Unix seconds (a string, sometimes a number); now when absent or unreadable.
fn time_of(timestamp: Option<&Json>) -> DateTime<Utc> {
    let seconds = match timestamp {
        Some(Json::String(s)) => s.parse::<i64>().ok(),
        Some(Json::Number(n)) => n.as_i64(),
        _ => None,
    };
    seconds
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .unwrap_or_else(Utc::now)
}

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn change(messages: Json, statuses: Json) -> Json {
        json!({"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "43800100100", "phone_number_id": "1096"},
            "messages": messages, "statuses": statuses, "unknown": {"ignored": true}
        }})
    }

    fn events(body: Json) -> Vec<WebhookEvent> {
        let n = parse(body.to_string().as_bytes()).unwrap();
        events_of(n, |m| {
            (m?.phone_number_id.as_deref()? == "1096").then(|| Owner {
                number: "+43800100100".to_owned(),
                account: AccountId(7),
            })
        })
    }

    #[test]
    fn every_entry_and_change_is_read() {
        let body = json!({"object": "whatsapp_business_account", "entry": [
            {"id": "1", "changes": [
                change(json!([{"from": "4367610", "id": "wamid.A", "timestamp": "1750857384", "type": "text", "text": {"body": "START KUNDEN"}}]), json!([])),
                change(json!([]), json!([{"id": "wamid.S", "status": "read", "timestamp": "1750857390", "recipient_id": "4367610"}])),
            ]},
            {"id": "2", "changes": [
                change(json!([]), json!([{"id": "wamid.F", "status": "failed", "errors": [{"code": 131047, "title": "Re-engagement message"}]}, {"id": "wamid.W", "status": "warning"}])),
                {"field": "account_update", "value": {"x": 1}},
                {"field": "messages", "value": {"metadata": {"phone_number_id": "9999"},
                 "messages": [{"from": "1", "id": "wamid.X", "type": "text", "text": {"body": "not ours"}}]}},
            ]},
        ]});
        let ev = events(body);
        assert_eq!(ev.len(), 3, "{ev:?}");
        let WebhookEvent::Inbound(m) = &ev[0] else {
            panic!()
        };
        assert_eq!(m.from, "+4367610");
        assert_eq!(m.to, "+43800100100");
        assert_eq!(m.text.as_deref(), Some("START KUNDEN"));
        assert_eq!(m.received_at.timestamp(), 1750857384);
        let WebhookEvent::Receipt(r) = &ev[1] else {
            panic!()
        };
        assert_eq!(r.status, MessageStatus::Read);
        assert_eq!(r.provider_ids, ["wamid.S"]);
        assert_eq!(r.account, Some(AccountId(7)), "only the number's account");
        let WebhookEvent::Receipt(f) = &ev[2] else {
            panic!()
        };
        assert_eq!(
            (f.status, f.error_code.as_deref()),
            (MessageStatus::Failed, Some("131047"))
        );
    }

    #[test]
    fn malformed_bodies_name_the_problem() {
        let e = parse(b"{not json").unwrap_err();
        assert!(e.contains("not valid JSON"), "{e}");
        let e = parse(b"\"x\"").unwrap_err();
        assert!(e.contains("not a webhook notification"), "{e}");
        let e = parse(
            br#"{"entry":[{"changes":[{"value":{"messages":[{"from":"1","type":"text"}]}}]}]}"#,
        )
        .unwrap_err();
        assert!(
            e.contains("entry[0].changes[0].value.messages[0]") && e.contains("id"),
            "{e}"
        );
    }
}
