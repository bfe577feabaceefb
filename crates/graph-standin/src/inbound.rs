//! Inbound messages as Meta delivers them: a customer writes to a business number and
//! the stand-in posts the signed `messages` webhook at once.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::StandinNumber;
use crate::webhook::{WABA_ID, envelope, metadata};

/// A customer's message to one of the stand-in's numbers.
#[derive(Debug, Clone, Deserialize)]
pub struct InboundMessage {
    /// The business number written to.
    pub phone_number_id: String,
    /// The customer, E.164 ('+' optional).
    pub from: String,
    /// The customer's profile name.
    #[serde(default)]
    pub name: Option<String>,
    pub message: InboundContent,
}

/// What the customer sent; JSON `{"type":"text","body":"…"}` and so on.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InboundContent {
    Text {
        body: String,
    },
    Image {
        #[serde(default)]
        caption: Option<String>,
    },
    Video {
        #[serde(default)]
        caption: Option<String>,
    },
    Audio,
    Document {
        #[serde(default)]
        caption: Option<String>,
        #[serde(default)]
        filename: Option<String>,
    },
    Sticker,
    Location {
        latitude: f64,
        longitude: f64,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        address: Option<String>,
    },
    /// A tap on a template's quick-reply button.
    Button {
        text: String,
        payload: String,
    },
    /// A tap on an interactive message's reply button.
    Interactive {
        id: String,
        title: String,
    },
    Reaction {
        message_id: String,
        emoji: String,
    },
}

/// What an injection did.
#[derive(Debug, Clone, Serialize)]
pub struct InboundSent {
    pub wamid: String,
    /// The receiver's answer.
    pub webhook_status: u16,
}

/// The full webhook body for one inbound message.
pub fn payload(number: &StandinNumber, msg: &InboundMessage, wamid: &str) -> Value {
    let from = msg.from.trim_start_matches('+');
    let ts = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut m = json!({"from": from, "id": wamid, "timestamp": ts.to_string()});
    let (kind, object) = content(&msg.message, wamid);
    m["type"] = kind.into();
    if let Some((key, value)) = object {
        m[key] = value;
    }
    if let InboundContent::Button { .. } = msg.message {
        // A button reply points at the template message it answers.
        m["context"] =
            json!({"from": number.display_number.trim_start_matches('+'), "id": "wamid.template"});
    }
    let value = json!({
        "messaging_product": "whatsapp",
        "metadata": metadata(&number.display_number, &number.phone_number_id),
        "contacts": [{"profile": {"name": msg.name.as_deref().unwrap_or("")}, "wa_id": from}],
        "messages": [m],
    });
    envelope(vec![
        json!({"id": WABA_ID, "changes": [{"field": "messages", "value": value}]}),
    ])
}

fn content(c: &InboundContent, wamid: &str) -> (&'static str, Option<(&'static str, Value)>) {
    let media = |mime: &str, extra: Value| {
        let id: u64 = rand::random::<u64>() % 10_000_000_000_000_000;
        let mut v = json!({"id": id.to_string(), "mime_type": mime,
            "sha256": hex::encode(Sha256::digest(wamid.as_bytes()))});
        if let Value::Object(extra) = extra {
            for (k, x) in extra {
                if !x.is_null() {
                    v[k] = x;
                }
            }
        }
        v
    };
    match c {
        InboundContent::Text { body } => ("text", Some(("text", json!({"body": body})))),
        InboundContent::Image { caption } => (
            "image",
            Some(("image", media("image/jpeg", json!({"caption": caption})))),
        ),
        InboundContent::Video { caption } => (
            "video",
            Some(("video", media("video/mp4", json!({"caption": caption})))),
        ),
        InboundContent::Audio => (
            "audio",
            Some((
                "audio",
                media("audio/ogg; codecs=opus", json!({"voice": true})),
            )),
        ),
        InboundContent::Document { caption, filename } => (
            "document",
            Some((
                "document",
                media(
                    "application/pdf",
                    json!({"caption": caption, "filename": filename}),
                ),
            )),
        ),
        InboundContent::Sticker => (
            "sticker",
            Some(("sticker", media("image/webp", json!({"animated": false})))),
        ),
        InboundContent::Location {
            latitude,
            longitude,
            name,
            address,
        } => {
            let mut l = json!({"latitude": latitude, "longitude": longitude});
            if let Some(n) = name {
                l["name"] = n.as_str().into();
            }
            if let Some(a) = address {
                l["address"] = a.as_str().into();
            }
            ("location", Some(("location", l)))
        }
        InboundContent::Button { text, payload } => (
            "button",
            Some(("button", json!({"text": text, "payload": payload}))),
        ),
        InboundContent::Interactive { id, title } => (
            "interactive",
            Some((
                "interactive",
                json!({"type": "button_reply", "button_reply": {"id": id, "title": title}}),
            )),
        ),
        InboundContent::Reaction { message_id, emoji } => (
            "reaction",
            Some((
                "reaction",
                json!({"message_id": message_id, "emoji": emoji}),
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number() -> StandinNumber {
        "1234:t:s:+43800100100".parse().unwrap()
    }

    #[test]
    fn text_and_location_are_meta_shaped() {
        let msg: InboundMessage = serde_json::from_value(json!({
            "phone_number_id": "1234", "from": "+4367612345678", "name": "Max",
            "message": {"type": "text", "body": "START KUNDEN 👋"}}))
        .unwrap();
        let p = payload(&number(), &msg, "wamid.X");
        let value = &p["entry"][0]["changes"][0]["value"];
        assert_eq!(p["object"], "whatsapp_business_account");
        assert_eq!(value["metadata"]["display_phone_number"], "43800100100");
        assert_eq!(value["contacts"][0]["wa_id"], "4367612345678");
        assert_eq!(value["messages"][0]["text"]["body"], "START KUNDEN 👋");
        assert_eq!(value["messages"][0]["from"], "4367612345678");

        let msg: InboundMessage = serde_json::from_value(json!({
            "phone_number_id": "1234", "from": "4367612345678",
            "message": {"type": "location", "latitude": 48.2, "longitude": 16.37, "name": "Wien"}}))
        .unwrap();
        let p = payload(&number(), &msg, "wamid.Y");
        let m = &p["entry"][0]["changes"][0]["value"]["messages"][0];
        assert_eq!(m["type"], "location");
        assert_eq!(
            m["location"],
            json!({"latitude": 48.2, "longitude": 16.37, "name": "Wien"})
        );
    }

    #[test]
    fn media_has_an_id_and_no_null_caption() {
        let msg: InboundMessage = serde_json::from_value(json!({
            "phone_number_id": "1234", "from": "4367612345678",
            "message": {"type": "image"}}))
        .unwrap();
        let p = payload(&number(), &msg, "wamid.Z");
        let image = &p["entry"][0]["changes"][0]["value"]["messages"][0]["image"];
        assert_eq!(image["mime_type"], "image/jpeg");
        assert!(image["id"].is_string());
        assert!(image.get("caption").is_none());
    }
}
