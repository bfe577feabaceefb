//! "One message per person" (R19 solved rather than warned about): a send with channel
//! `whatsapp_else_sms` gives each recipient WhatsApp where it has an active opt-in (R6,
//! R17) — a contact on its WhatsApp number — and SMS otherwise, never both. The preview
//! shows the split; the sandbox channels' inboxes show who got what.

mod support;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use support::cloud::{e164, opted_in};
use support::{Backend, TestApp, eventually, spawn_app};

/// Each message of the send: recipient → (channel, status).
async fn by_recipient(app: &TestApp, send: &Value) -> BTreeMap<String, (String, String)> {
    let (_, msgs) = app
        .get_json(&format!("/api/v1/messages?send={}", send["id"]))
        .await;
    msgs["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let s = |k: &str| m[k].as_str().unwrap_or_default().to_owned();
            (s("recipient"), (s("channel"), s("status")))
        })
        .collect()
}

const ANNA_WA: &str = "0664 3000001";
const ANNA_SMS: &str = "0664 3000002";
const BERT_WA: &str = "0664 3000003";
const BERT_SMS: &str = "0664 3000004";
const CARL_SMS: &str = "0664 3000005";
const DORA_WA: &str = "0664 3000006";
const OPTED: &str = "0664 3000007";
const PLAIN: &str = "0664 3000008";

/// R19, R6, R17: opted-in recipients get WhatsApp only, everyone else SMS only.
async fn each_person_gets_one_message(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_group("kunden").await;
    let contact = |first: &str, sms: Option<&str>, wa: Option<&str>| json!({"first_name": first, "sms_number": sms, "whatsapp_number": wa, "groups": ["kunden"]});
    // Anna: both numbers, opted in → WhatsApp. Bert: both, no opt-in → SMS to his SMS
    // number. Carl: SMS only → SMS. Dora: WhatsApp only, no opt-in → SMS to that number.
    app.create_contact(contact("Anna", Some(ANNA_SMS), Some(ANNA_WA)))
        .await;
    app.create_contact(contact("Bert", Some(BERT_SMS), Some(BERT_WA)))
        .await;
    app.create_contact(contact("Carl", Some(CARL_SMS), None))
        .await;
    app.create_contact(contact("Dora", None, Some(DORA_WA)))
        .await;
    opted_in(&app, &[ANNA_WA, OPTED]).await;
    let body = json!({"channel": "whatsapp_else_sms", "text": "Ihre Bestellung ist da",
        "to": {"groups": ["KUNDEN"], "numbers": [OPTED, PLAIN]}});

    let (status, preview) = app.post_json("/api/v1/sends/preview", body.clone()).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["channel"], "whatsapp_else_sms");
    assert_eq!(preview["accepted"], 6, "{preview}");
    assert_eq!(
        preview["channels"],
        json!({"whatsapp": 2, "sms": 4}),
        "{preview}"
    );
    assert_eq!(
        preview["sms"]["segments"], 1,
        "the SMS part is counted: {preview}"
    );
    assert_eq!(
        preview["warnings"],
        json!([]),
        "nobody gets it twice, so no R19 warning"
    );

    let (status, send) = app.post_json("/api/v1/sends", body).await;
    assert_eq!(status, 202, "{send}");
    assert_eq!(send["accepted"], 6, "{send}");
    let expected: BTreeMap<String, String> = [
        (ANNA_WA, "whatsapp"),
        (OPTED, "whatsapp"),
        (BERT_SMS, "sms"),
        (CARL_SMS, "sms"),
        (DORA_WA, "sms"),
        (PLAIN, "sms"),
    ]
    .into_iter()
    .map(|(n, c)| (e164(n), c.to_owned()))
    .collect();
    let got = eventually(15, "every message delivered", || async {
        let got = by_recipient(&app, &send).await;
        got.values()
            .all(|(_, status)| status == "delivered")
            .then_some(got)
    })
    .await;
    let channels: BTreeMap<String, String> = got.into_iter().map(|(r, (c, _))| (r, c)).collect();
    assert_eq!(channels, expected);

    // What each handset received: one message per person, on one channel.
    let sms = app.sandbox.sms.inbox();
    let whatsapp = app.sandbox.whatsapp.inbox();
    for (number, channel) in &expected {
        let (this, other) = if channel == "sms" {
            (sms, whatsapp)
        } else {
            (whatsapp, sms)
        };
        assert_eq!(this.messages(number).len(), 1, "{number} by {channel}");
        assert!(other.messages(number).is_empty(), "{number} not twice");
    }
    for number in [ANNA_SMS, BERT_WA] {
        let n = e164(number);
        assert!(
            sms.messages(&n).is_empty() && whatsapp.messages(&n).is_empty(),
            "{n}: the person got it on their other number"
        );
    }
}

/// `test: true` applies to the SMS part too; a `whatsapp_else_sms` send needs a text, since
/// the SMS carries it.
async fn the_sms_part_follows_the_send_s_rules(backend: Backend) {
    let app = spawn_app(backend).await;
    opted_in(&app, &[OPTED]).await;
    let (status, preview) = app
        .post_json(
            "/api/v1/sends/preview",
            json!({"channel": "whatsapp_else_sms", "text": "Hallo", "test": true,
                "to": {"numbers": [OPTED, PLAIN]}}),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["accepted"], 0, "{preview}");
    assert_eq!(
        preview["skipped_by_reason"],
        json!({"test": 2}),
        "{preview}"
    );

    let media = json!({"kind": "image", "url": "https://example.com/a.jpg"});
    for body in [
        json!({"channel": "whatsapp_else_sms", "media": media, "to": {"numbers": [PLAIN]}}),
        json!({"channel": "whatsapp_else_sms", "text": "x", "media": media, "to": {"numbers": [PLAIN]}}),
        json!({"channel": "whatsapp_else_sms", "template": {"name": "a", "language": "de"},
            "to": {"numbers": [PLAIN]}}),
    ] {
        let (status, err) = app.post_json("/api/v1/sends", body.clone()).await;
        assert_eq!(status, 422, "{body} → {err}");
        assert_eq!(err["error"]["code"], "else_sms_content", "{err}");
        assert_eq!(err["error"]["field"], "channel", "{err}");
    }
}

on_both_backends!(
    each_person_gets_one_message,
    the_sms_part_follows_the_send_s_rules
);
