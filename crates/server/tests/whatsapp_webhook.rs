//! The WhatsApp Cloud API webhook, `/webhooks/whatsapp/{phone_number_id}`, over real HTTP on
//! both back ends: Meta's verification handshake, signed POSTs only, every entry and change
//! of a batch, status events as receipts, inbound messages of every type, and Meta's
//! redeliveries kept once.

mod support;

use bote_domain::{ChannelKind, MessageId};
use bote_store::{
    BusinessNumber, ClaimToken, CloudCredentials, InboundQuery, NewBusinessNumber, Outcome, Secret,
};
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use support::{Backend, TestApp, json_of, spawn_app};

const PHONE_NUMBER_ID: &str = "106540352242922";
const NUMBER: &str = "+43800100100";
const APP_SECRET: &str = "app-secret-of-the-meta-app";
const VERIFY_TOKEN: &str = "verify-me-please";

/// The app with a Cloud API number of acme's.
async fn cloud_app(backend: Backend) -> (TestApp, BusinessNumber) {
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
fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn post_raw(app: &TestApp, body: &[u8], signature: Option<String>) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url(&format!("/webhooks/whatsapp/{PHONE_NUMBER_ID}")))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(s) = signature {
        req = req.header("X-Hub-Signature-256", s);
    }
    json_of(req.send().await.unwrap()).await
}

/// POSTs `body` signed with the number's app secret, as Meta does.
async fn post_signed(app: &TestApp, body: &Value) -> (u16, Value) {
    let raw = body.to_string().into_bytes();
    post_raw(app, &raw, Some(signature(APP_SECRET, &raw))).await
}

fn notification(entries: Vec<Value>) -> Value {
    json!({"object": "whatsapp_business_account", "entry": entries})
}

fn entry(changes: Vec<Value>) -> Value {
    json!({"id": "WABA-1", "changes": changes})
}

fn change(messages: Value, statuses: Value) -> Value {
    json!({"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "43800100100", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Max"}, "wa_id": "436641000001"}],
        "messages": messages,
        "statuses": statuses
    }})
}

fn text(from: &str, wamid: &str, body: &str) -> Value {
    json!({"from": from, "id": wamid, "timestamp": "1750857384", "type": "text", "text": {"body": body}})
}

fn status_event(wamid: &str, status: &str) -> Value {
    json!({"id": wamid, "status": status, "timestamp": "1750857390", "recipient_id": "436641000001",
           "conversation": {"id": "c1", "origin": {"type": "marketing"}}, "pricing": {"billable": true}})
}

async fn inbound_count(app: &TestApp) -> usize {
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

async fn verification_handshake_answers_the_challenge(backend: Backend) {
    let (app, _) = cloud_app(backend).await;
    let get = |id: &str, mode: &str, token: &str| {
        app.client
            .get(app.url(&format!("/webhooks/whatsapp/{id}")))
            .query(&[
                ("hub.mode", mode),
                ("hub.verify_token", token),
                ("hub.challenge", "1158201444"),
            ])
            .send()
    };
    let ok = get(PHONE_NUMBER_ID, "subscribe", VERIFY_TOKEN)
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.text().await.unwrap(),
        "1158201444",
        "the challenge, as plain body"
    );
    let wrong = get(PHONE_NUMBER_ID, "subscribe", "guess").await.unwrap();
    assert_eq!(wrong.status(), 403);
    let mode = get(PHONE_NUMBER_ID, "unsubscribe", VERIFY_TOKEN)
        .await
        .unwrap();
    assert_eq!(mode.status(), 403);
    let unknown = get("999", "subscribe", VERIFY_TOKEN).await.unwrap();
    assert_eq!(unknown.status(), 404);

    // A sandbox number has no webhook, even with a provider id.
    app.store
        .add_business_number(
            app.account.id,
            NewBusinessNumber::plain(ChannelKind::Whatsapp, "+43800200200")
                .with_provider_ref("777"),
        )
        .await
        .unwrap();
    assert_eq!(get("777", "subscribe", "").await.unwrap().status(), 404);
}

async fn posts_need_the_number_s_signature(backend: Backend) {
    let (app, _) = cloud_app(backend).await;
    let body = notification(vec![entry(vec![change(
        json!([text("436641000001", "wamid.SIG1", "Hallo")]),
        json!([]),
    )])]);
    let raw = body.to_string().into_bytes();

    let (status, e) = post_raw(&app, &raw, None).await;
    assert_eq!(status, 401, "no signature: {e}");
    let (status, _) = post_raw(&app, &raw, Some(signature("another-secret", &raw))).await;
    assert_eq!(status, 401, "signed with another secret");
    let (status, _) = post_raw(&app, &raw, Some("sha256=zz".into())).await;
    assert_eq!(status, 401, "not hex");
    let mut tampered = raw.clone();
    tampered[raw.len() - 3] = b' ';
    let (status, _) = post_raw(&app, &tampered, Some(signature(APP_SECRET, &raw))).await;
    assert_eq!(status, 401, "a body changed after signing");
    assert_eq!(inbound_count(&app).await, 0, "nothing stored on 401");

    let (status, e) = post_raw(&app, &raw, Some(signature(APP_SECRET, &raw))).await;
    assert_eq!(status, 200, "{e}");
    assert_eq!(inbound_count(&app).await, 1);

    // Signed but malformed: 400 naming the problem; nothing stored.
    let broken = br#"{"entry":[{"changes":[{"value":{"messages":[{"from":"436641000002","type":"text"}]}}]}]}"#;
    let (status, e) = post_raw(&app, broken, Some(signature(APP_SECRET, broken))).await;
    assert_eq!(status, 400, "{e}");
    let message = e["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("entry[0].changes[0].value.messages[0]") && message.contains("`id`"),
        "{message}"
    );
    let (status, _) = post_raw(&app, b"[1,", Some(signature(APP_SECRET, b"[1,"))).await;
    assert_eq!(status, 400);
    // Bodies beyond the limit are refused before anything is read into the store.
    let huge = vec![b' '; 3 * 1024 * 1024];
    let (status, _) = post_raw(&app, &huge, Some(signature(APP_SECRET, &huge))).await;
    assert_eq!(status, 413);
    assert_eq!(inbound_count(&app).await, 1);
}

/// Accepts a WhatsApp send for later, then records it as sent through the Cloud API with
/// the given wamids (the Cloud API client is another part; this is what its answer records).
async fn sent_through_the_cloud_api(app: &TestApp, recipients: &[&str], wamids: &[&str]) -> i64 {
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    let (status, r) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "whatsapp", "text": "Neue Kollektion 🎉", "schedule_at": later.to_rfc3339(),
                   "to": {"numbers": recipients}}),
        )
        .await;
    assert_eq!(status, 202, "{r}");
    assert_eq!(r["accepted"], recipients.len(), "{r}");
    // Claimed as if it were later: the app's own dispatcher does not see it yet.
    let at = later + chrono::Duration::minutes(1);
    let claimed = app
        .store
        .claim_messages(
            ChannelKind::Whatsapp,
            at,
            at + chrono::Duration::minutes(1),
            100,
        )
        .await
        .unwrap();
    // The opt-in confirmations (R7 replies) are due too; only this send's messages count.
    let send = r["id"].as_i64().unwrap();
    let claimed: Vec<_> = claimed
        .into_iter()
        .filter(|m| m.send_id.0 == send)
        .collect();
    assert_eq!(claimed.len(), recipients.len());
    let mut outcomes: Vec<(MessageId, ClaimToken, Outcome)> = Vec::new();
    for m in claimed {
        let i = recipients
            .iter()
            .position(|r| m.recipient.as_str() == format!("+{}", r.trim_start_matches('+')))
            .expect("a recipient of the send");
        outcomes.push((
            m.id,
            m.claim,
            Outcome::Sent {
                connection: "whatsapp-cloud".into(),
                provider_ids: vec![wamids[i].into()],
                segments: 1,
            },
        ));
    }
    assert_eq!(
        app.store.record_outcomes(&outcomes).await.unwrap(),
        recipients.len() as u64
    );
    r["id"].as_i64().unwrap()
}

async fn statuses_by_recipient(app: &TestApp, send: i64) -> Vec<(String, String, Value)> {
    let (status, msgs) = app.get_json(&format!("/api/v1/messages?send={send}")).await;
    assert_eq!(status, 200, "{msgs}");
    let mut out: Vec<(String, String, Value)> = msgs["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["recipient"].as_str().unwrap().to_owned(),
                m["status"].as_str().unwrap().to_owned(),
                m["error_code"].clone(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// R17-adjacent: status events of a batched payload (2 entries × several changes) update
/// the messages sent through the Cloud API; a redelivery of the same payload changes nothing.
async fn batched_statuses_update_messages_once(backend: Backend) {
    let (app, _) = cloud_app(backend).await;
    let people = [
        "+436641000001",
        "+436641000002",
        "+436641000003",
        "+436641000004",
    ];
    // They wrote first (an opt-in where opt-ins are kept, R7).
    let hello: Vec<Value> = people
        .iter()
        .enumerate()
        .map(|(i, p)| text(&p[1..], &format!("wamid.IN{i}"), "Hallo"))
        .collect();
    let (status, e) = post_signed(
        &app,
        &notification(vec![entry(vec![change(json!(hello), json!([]))])]),
    )
    .await;
    assert_eq!(status, 200, "{e}");

    let send =
        sent_through_the_cloud_api(&app, &people, &["wamid.A", "wamid.B", "wamid.C", "wamid.D"])
            .await;
    let failed = json!({"id": "wamid.C", "status": "failed", "timestamp": "1750857399", "recipient_id": "436641000003",
                        "errors": [{"code": 131047, "title": "Re-engagement message", "error_data": {"details": "24h"}}]});
    let batch = notification(vec![
        entry(vec![
            change(
                json!([]),
                json!([
                    status_event("wamid.A", "sent"),
                    status_event("wamid.A", "delivered")
                ]),
            ),
            change(json!([]), json!([status_event("wamid.B", "read")])),
        ]),
        entry(vec![
            change(json!([]), json!([failed])),
            change(json!([]), json!([status_event("wamid.D", "sent")])),
            change(
                json!([]),
                json!([status_event("wamid.unknown", "delivered")]),
            ),
        ]),
    ]);
    let (status, e) = post_signed(&app, &batch).await;
    assert_eq!(status, 200, "{e}");
    let expected = vec![
        (
            "+436641000001".to_owned(),
            "delivered".to_owned(),
            Value::Null,
        ),
        ("+436641000002".to_owned(), "read".to_owned(), Value::Null),
        (
            "+436641000003".to_owned(),
            "failed".to_owned(),
            json!("131047"),
        ),
        ("+436641000004".to_owned(), "sent".to_owned(), Value::Null),
    ];
    assert_eq!(statuses_by_recipient(&app, send).await, expected);

    // Meta redelivers: the same payload again changes nothing.
    let (status, _) = post_signed(&app, &batch).await;
    assert_eq!(status, 200);
    assert_eq!(statuses_by_recipient(&app, send).await, expected);
    // A later `read` still moves a delivered message on.
    let read = notification(vec![entry(vec![change(
        json!([]),
        json!([status_event("wamid.A", "read")]),
    )])]);
    assert_eq!(post_signed(&app, &read).await.0, 200);
    assert_eq!(statuses_by_recipient(&app, send).await[0].1, "read");
}

/// Status events are matched by wamid platform-wide (connection `whatsapp-cloud`), not by
/// the number whose webhook they arrive at: wamids are unique across all numbers, and Meta
/// sends the statuses of every number of an app to whichever webhook it has configured. A
/// status arriving at the account's second number of the same app updates the message.
async fn statuses_match_by_wamid_whichever_number_reports_them(backend: Backend) {
    let (app, _) = cloud_app(backend).await;
    let second = "8008";
    app.store
        .add_business_number(
            app.account.id,
            NewBusinessNumber {
                cloud: Some(CloudCredentials {
                    access_token: Secret::new("EAAG-second"),
                    app_secret: Secret::new(APP_SECRET),
                    verify_token: Secret::new("second-verify"),
                }),
                ..NewBusinessNumber::plain(ChannelKind::Whatsapp, "+43800800800")
                    .with_provider_ref(second)
            },
        )
        .await
        .unwrap();
    // They wrote first (their opt-ins, R7).
    let hello = json!([
        text("436641000008", "wamid.IN8", "Hallo"),
        text("436641000009", "wamid.IN9", "Hallo")
    ]);
    let (status, e) = post_signed(
        &app,
        &notification(vec![entry(vec![change(hello, json!([]))])]),
    )
    .await;
    assert_eq!(status, 200, "{e}");
    let send = sent_through_the_cloud_api(
        &app,
        &["+436641000008", "+436641000009"],
        &["wamid.ONE", "wamid.TWO"],
    )
    .await;
    let of_second = |wamid: &str| {
        json!({"field": "messages", "value": {
            "metadata": {"display_phone_number": "43800800800", "phone_number_id": second},
            "statuses": [status_event(wamid, "delivered")]}})
    };
    // One status names the second number, one names the first; both arrive at the second
    // number's webhook.
    let body = notification(vec![entry(vec![
        of_second("wamid.ONE"),
        change(json!([]), json!([status_event("wamid.TWO", "read")])),
    ])])
    .to_string()
    .into_bytes();
    let (status, e) = json_of(
        app.client
            .post(app.url(&format!("/webhooks/whatsapp/{second}")))
            .header("content-type", "application/json")
            .header("X-Hub-Signature-256", signature(APP_SECRET, &body))
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{e}");
    assert_eq!(
        statuses_by_recipient(&app, send).await,
        vec![
            (
                "+436641000008".to_owned(),
                "delivered".to_owned(),
                Value::Null
            ),
            ("+436641000009".to_owned(), "read".to_owned(), Value::Null),
        ]
    );
}

/// Inbound messages of every type are kept with their kind and readable text, routed to
/// the account owning the phone number id; Meta's redeliveries are kept once.
async fn inbound_messages_of_every_type_are_kept_once(backend: Backend) {
    let (app, number) = cloud_app(backend).await;
    let from = "436641000009";
    let m = |id: &str, kind: &str, extra: Value| {
        let mut v = json!({"from": from, "id": id, "timestamp": "1750857384", "type": kind});
        if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        v
    };
    let media = |kind: &str, caption: Option<&str>| {
        let mut body = json!({"id": "MEDIA-1", "mime_type": "image/jpeg", "sha256": "abc"});
        if let Some(c) = caption {
            body["caption"] = json!(c);
        }
        json!({ kind: body })
    };
    let cases: Vec<(Value, &str, Option<&str>)> = vec![
        (
            m("wamid.t", "text", json!({"text": {"body": "START KUNDEN"}})),
            "text",
            Some("START KUNDEN"),
        ),
        (
            m("wamid.i", "image", media("image", Some("Unser Hund"))),
            "image",
            Some("Unser Hund"),
        ),
        (
            m("wamid.v", "video", media("video", Some("Clip"))),
            "video",
            Some("Clip"),
        ),
        (m("wamid.a", "audio", media("audio", None)), "audio", None),
        (
            m("wamid.d", "document", media("document", Some("Rechnung"))),
            "document",
            Some("Rechnung"),
        ),
        (
            m("wamid.s", "sticker", media("sticker", None)),
            "sticker",
            None,
        ),
        (
            m(
                "wamid.l",
                "location",
                json!({"location": {"latitude": 48.2082, "longitude": 16.3738, "name": "Stephansdom", "address": "Stephansplatz 3"}}),
            ),
            "location",
            Some("48.2082,16.3738 Stephansdom"),
        ),
        (
            m(
                "wamid.c",
                "contacts",
                json!({"contacts": [{"name": {"formatted_name": "Anna Muster", "first_name": "Anna"}, "phones": [{"phone": "+436761"}]}]}),
            ),
            "contacts",
            Some("Anna Muster"),
        ),
        (
            m(
                "wamid.x",
                "interactive",
                json!({"interactive": {"type": "button_reply", "button_reply": {"id": "yes", "title": "Ja, gerne"}}}),
            ),
            "interactive",
            Some("Ja, gerne"),
        ),
        (
            m(
                "wamid.y",
                "interactive",
                json!({"interactive": {"type": "list_reply", "list_reply": {"id": "r2", "title": "Dienstag", "description": "ab 9"}}}),
            ),
            "interactive",
            Some("Dienstag"),
        ),
        (
            m(
                "wamid.b",
                "button",
                json!({"button": {"payload": "STOP", "text": "Abmelden"}}),
            ),
            "button",
            Some("Abmelden"),
        ),
        (
            m(
                "wamid.r",
                "reaction",
                json!({"reaction": {"message_id": "wamid.A", "emoji": "👍"}}),
            ),
            "reaction",
            Some("👍"),
        ),
        (
            m(
                "wamid.u",
                "unsupported",
                json!({"errors": [{"code": 131051, "title": "Message type unknown"}]}),
            ),
            "unsupported",
            None,
        ),
    ];
    let messages: Vec<Value> = cases.iter().map(|(v, _, _)| v.clone()).collect();
    // Split over two entries and several changes.
    let batch = notification(vec![
        entry(vec![
            change(json!(messages[..4]), json!([])),
            change(json!(messages[4..7]), json!([])),
        ]),
        entry(vec![change(json!(messages[7..]), json!([]))]),
    ]);
    let (status, e) = post_signed(&app, &batch).await;
    assert_eq!(status, 200, "{e}");

    let page = app
        .store
        .list_inbound(
            app.account.id,
            InboundQuery {
                limit: 100,
                ..InboundQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), cases.len());
    for (v, kind, text) in &cases {
        let wamid = v["id"].as_str().unwrap();
        let got = page
            .items
            .iter()
            .find(|r| r.provider_id.as_deref() == Some(wamid))
            .unwrap_or_else(|| panic!("{wamid} kept"));
        assert_eq!(got.kind, *kind, "{wamid}");
        assert_eq!(got.text.as_deref(), *text, "{wamid}");
        assert_eq!(got.from, "+436641000009");
        assert_eq!(got.to, number.number);
        assert_eq!(got.connection, "whatsapp-cloud");
        assert_eq!(got.channel, ChannelKind::Whatsapp);
        assert_eq!(got.received_at.timestamp(), 1750857384);
    }

    // Redelivered, whole and in part: still one row per wamid.
    assert_eq!(post_signed(&app, &batch).await.0, 200);
    let again = notification(vec![entry(vec![change(json!(messages[2..3]), json!([]))])]);
    assert_eq!(post_signed(&app, &again).await.0, 200);
    assert_eq!(inbound_count(&app).await, cases.len());

    // The API shows them to the account.
    let (status, listed) = json_of(
        app.req(Method::GET, "/api/v1/inbound?channel=whatsapp&limit=100")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["data"].as_array().unwrap().len(), cases.len());
}

/// A payload signed with one number's app secret speaks only for numbers of the same Meta
/// app: a change naming another tenant's number (another app secret) is dropped.
async fn changes_of_numbers_of_another_app_are_dropped(backend: Backend) {
    let (app, _) = cloud_app(backend).await;
    let (other, _) = app
        .other_account("other", bote_domain::TokenScope::Full)
        .await;
    let add = |account, number: &str, id: &str, secret: &str| {
        app.store.add_business_number(
            account,
            NewBusinessNumber {
                cloud: Some(CloudCredentials {
                    access_token: Secret::new("t"),
                    app_secret: Secret::new(secret),
                    verify_token: Secret::new("v"),
                }),
                ..NewBusinessNumber::plain(ChannelKind::Whatsapp, number).with_provider_ref(id)
            },
        )
    };
    add(other.id, "+43800700700", "7007", "another-app")
        .await
        .unwrap();
    add(app.account.id, "+43800800800", "8008", APP_SECRET)
        .await
        .unwrap();
    let for_number = |id: &str, wamid: &str| {
        json!({"field": "messages", "value": {
            "metadata": {"display_phone_number": "43800100100", "phone_number_id": id},
            "messages": [text("436641000001", wamid, "STOP")]}})
    };
    let batch = notification(vec![entry(vec![
        for_number("7007", "wamid.FOREIGN"),
        for_number("8008", "wamid.SAMEAPP"),
        for_number("5555", "wamid.UNKNOWN"),
    ])]);
    let (status, e) = post_signed(&app, &batch).await;
    assert_eq!(status, 200, "{e}");
    let of = |account| {
        let store = app.store.clone();
        async move {
            store
                .list_inbound(
                    account,
                    InboundQuery {
                        limit: 10,
                        ..InboundQuery::default()
                    },
                )
                .await
                .unwrap()
                .items
        }
    };
    assert!(
        of(other.id).await.is_empty(),
        "nothing reached the other tenant"
    );
    let ours = of(app.account.id).await;
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(ours[0].provider_id.as_deref(), Some("wamid.SAMEAPP"));
    assert_eq!(ours[0].to, "+43800800800");
}

on_both_backends!(
    changes_of_numbers_of_another_app_are_dropped,
    verification_handshake_answers_the_challenge,
    posts_need_the_number_s_signature,
    batched_statuses_update_messages_once,
    statuses_match_by_wamid_whichever_number_reports_them,
    inbound_messages_of_every_type_are_kept_once,
);
