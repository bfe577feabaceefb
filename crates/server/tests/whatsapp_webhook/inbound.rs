//! Inbound messages of every type kept, and Meta's redeliveries kept once.

use bote_domain::ChannelKind;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Backend, json_of};
use crate::*;

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

on_both_backends!(inbound_messages_of_every_type_are_kept_once,);
