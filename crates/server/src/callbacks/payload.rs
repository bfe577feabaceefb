//! Callback bodies in websms form, so websms clients' receivers work unchanged.

use bote_domain::MessageStatus;
use bote_store::CallbackDue;
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

pub fn delivery_report_body(cb: &CallbackDue) -> Value {
    let m = &cb.message;
    json!({
        "messageType": "deliveryReport",
        "notificationId": format!("{:020x}", cb.id.0),
        "transferId": transfer_id(m.send_id),
        "senderAddress": m.recipient.as_deref().map(|r| r.trim_start_matches('+')).unwrap_or(""),
        "deliveryReportMessageStatus": websms_status(m.status, m.error_code.as_deref()),
        "sentOn": time(m.sent_at),
        "deliveredOn": time(m.done_at),
        "deliveredAs": "sms",
        "clientMessageId": cb.send_client_message_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bote_domain::{AccountId, CallbackId, ChannelKind, MessageId, SendId};
    use bote_store::{CallbackKind, MessageRecord};

    #[test]
    fn body_has_the_websms_fields() {
        let at = "2026-11-25T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let cb = CallbackDue {
            id: CallbackId(7),
            account: AccountId(1),
            url: "http://127.0.0.1:9/".into(),
            kind: CallbackKind::DeliveryReport,
            send_client_message_id: Some("abc".into()),
            attempts: 0,
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
        };
        let body = delivery_report_body(&cb);
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
}
