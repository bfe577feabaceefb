//! Callback bodies in websms form, so websms clients' receivers work unchanged.

use bote_domain::{CallbackId, ChannelKind, MessageStatus};
use bote_store::{CallbackDue, CallbackSubject, InboundRecord, MessageRecord};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::websms::transfer_id;

/// websms' `deliveryReportMessageStatus` for a final status.
pub fn websms_status(status: MessageStatus, error_code: Option<&str>) -> &'static str {
    match status {
        MessageStatus::Delivered | MessageStatus::Read => "delivered",
        MessageStatus::Expired => "expired",
        MessageStatus::Rejected => "rejected",
        MessageStatus::Undelivered if error_code == Some("DELETED") => "deleted",
        MessageStatus::Sent | MessageStatus::Sending | MessageStatus::Queued => "accepted",
        _ => "undelivered",
    }
}

fn time(t: Option<DateTime<Utc>>) -> Value {
    t.map(|t| Value::String(t.to_rfc3339_opts(SecondsFormat::Millis, false)))
        .unwrap_or(Value::Null)
}

/// The body of a callback: a delivery report, or a forwarded inbound message.
pub fn callback_body(cb: &CallbackDue) -> Value {
    match &cb.subject {
        CallbackSubject::Message {
            message,
            send_client_message_id,
        } => delivery_report_body(cb.id, message, send_client_message_id.as_deref()),
        CallbackSubject::Inbound(record) => inbound_body(cb.id, record),
    }
}

/// A websms notification id: 20 characters, the callback's id in hex (stable across
/// retries, so receivers can drop repeats).
fn notification_id(id: CallbackId) -> String {
    format!("{:020x}", id.0)
}

/// An address as websms writes it (digits, no `+`) and its type.
fn address(raw: &str) -> (String, &'static str) {
    if let Some(digits) = raw.strip_prefix('+') {
        (digits.to_owned(), "international")
    } else if raw.chars().all(|c| c.is_ascii_digit()) {
        (raw.to_owned(), "national")
    } else {
        (raw.to_owned(), "alphanumeric")
    }
}

/// An inbound message in websms' inbound-text form; WhatsApp messages add `channel` and
/// `contentType` (the WhatsApp message type).
pub fn inbound_body(id: CallbackId, record: &InboundRecord) -> Value {
    let (sender, sender_type) = address(&record.from);
    let (recipient, recipient_type) = address(&record.to);
    let mut body = json!({
        "messageType": "text",
        "notificationId": notification_id(id),
        "senderAddress": sender,
        "senderAddressType": sender_type,
        "recipientAddress": recipient,
        "recipientAddressType": recipient_type,
        "messageFlashSms": false,
        "textMessageContent": record.text.as_deref().unwrap_or(""),
    });
    if record.channel == ChannelKind::Whatsapp {
        body["channel"] = json!("whatsapp");
        body["contentType"] = json!(record.kind);
    }
    body
}

pub fn delivery_report_body(
    id: CallbackId,
    m: &MessageRecord,
    client_message_id: Option<&str>,
) -> Value {
    json!({
        "messageType": "deliveryReport",
        "notificationId": notification_id(id),
        "transferId": transfer_id(m.send_id),
        "senderAddress": m.recipient.as_deref().map(|r| r.trim_start_matches('+')).unwrap_or(""),
        "deliveryReportMessageStatus": websms_status(m.status, m.error_code.as_deref()),
        "sentOn": time(m.sent_at),
        "deliveredOn": time(m.done_at),
        "deliveredAs": "sms",
        "clientMessageId": client_message_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bote_domain::{AccountId, MessageId, SendId};
    use bote_store::CallbackKind;

    #[test]
    fn body_has_the_websms_fields() {
        let at = "2026-11-25T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let cb = CallbackDue {
            id: CallbackId(7),
            account: AccountId(1),
            url: "http://127.0.0.1:9/".into(),
            kind: CallbackKind::DeliveryReport,
            attempts: 0,
            subject: CallbackSubject::Message {
                send_client_message_id: Some("abc".into()),
                message: MessageRecord {
                    id: MessageId(3),
                    send_id: SendId(255),
                    channel: ChannelKind::Sms,
                    recipient: Some("+436761234567".into()),
                    contact_id: None,
                    status: MessageStatus::Delivered,
                    reason: None,
                    error_code: None,
                    segments: Some(1),
                    attempts: 1,
                    provider_ids: vec!["x".into()],
                    created_at: at,
                    sending_at: Some(at),
                    sent_at: Some(at),
                    done_at: Some(at),
                },
            },
        };
        let body = callback_body(&cb);
        assert_eq!(body["messageType"], "deliveryReport");
        assert_eq!(body["transferId"], "000000000000000000ff");
        assert_eq!(body["notificationId"].as_str().unwrap().len(), 20);
        assert_eq!(body["senderAddress"], "436761234567");
        assert_eq!(body["deliveryReportMessageStatus"], "delivered");
        assert_eq!(body["sentOn"], "2026-11-25T10:00:00.000+00:00");
        assert_eq!(body["clientMessageId"], "abc");
        assert_eq!(
            websms_status(MessageStatus::Undelivered, Some("DELETED")),
            "deleted"
        );
        assert_eq!(websms_status(MessageStatus::Failed, None), "undelivered");
    }

    #[test]
    fn inbound_bodies_have_the_websms_inbound_fields() {
        let at = "2026-11-25T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let mut record = InboundRecord {
            id: 9,
            account: Some(AccountId(1)),
            channel: ChannelKind::Sms,
            connection: "sandbox-sms".into(),
            from: "+4367612345678".into(),
            to: "0828".into(),
            kind: "text".into(),
            text: Some("Antwort".into()),
            provider_id: Some("p".into()),
            received_at: at,
            created_at: at,
        };
        let body = inbound_body(CallbackId(12), &record);
        assert_eq!(
            body,
            serde_json::json!({
                "messageType": "text",
                "notificationId": "0000000000000000000c",
                "senderAddress": "4367612345678",
                "senderAddressType": "international",
                "recipientAddress": "0828",
                "recipientAddressType": "national",
                "messageFlashSms": false,
                "textMessageContent": "Antwort",
            })
        );
        record.channel = ChannelKind::Whatsapp;
        record.to = "+43800100100".into();
        record.kind = "image".into();
        record.text = None;
        let body = inbound_body(CallbackId(12), &record);
        assert_eq!(body["channel"], "whatsapp");
        assert_eq!(body["contentType"], "image");
        assert_eq!(body["recipientAddress"], "43800100100");
        assert_eq!(body["recipientAddressType"], "international");
        assert_eq!(body["textMessageContent"], "");
    }
}
