//! Status events as receipts: every entry and change of a batch, once, matched by wamid.

use bote_domain::ChannelKind;
use serde_json::{Value, json};

use crate::support::Backend;
use crate::*;

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
    app.inbound_processed().await;

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
    let read = one_status("wamid.A", "read");
    assert_eq!(post_signed(&app, &read).await.0, 200);
    assert_eq!(statuses_by_recipient(&app, send).await[0].1, "read");
}

/// Status events are matched by wamid among the account's messages (connection
/// `whatsapp-cloud`), not by the number whose webhook they arrive at: wamids are unique
/// across all numbers, and Meta
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
    app.inbound_processed().await;
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
    ])]);
    let (status, e) = post_signed_to(&app, second, APP_SECRET, &body).await;
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

/// A status reaches only messages of the account whose number it is for: another tenant,
/// posting at its own number's webhook with its own valid signature, cannot mark this
/// account's message delivered by naming its wamid. The message's own number still can.
async fn statuses_from_another_accounts_number_leave_messages_alone(backend: Backend) {
    let (app, _) = cloud_app(backend).await;
    let (other, _) = app
        .other_account("other", bote_domain::TokenScope::Full)
        .await;
    let other_secret = "another-app";
    app.store
        .add_business_number(
            other.id,
            NewBusinessNumber {
                cloud: Some(CloudCredentials {
                    access_token: Secret::new("EAAG-other"),
                    app_secret: Secret::new(other_secret),
                    verify_token: Secret::new("other-verify"),
                }),
                ..NewBusinessNumber::plain(ChannelKind::Whatsapp, "+43800700700")
                    .with_provider_ref("7007")
            },
        )
        .await
        .unwrap();
    let hello = json!([text("436641000007", "wamid.IN7", "Hallo")]);
    let (status, e) = post_signed(
        &app,
        &notification(vec![entry(vec![change(hello, json!([]))])]),
    )
    .await;
    assert_eq!(status, 200, "{e}");
    app.inbound_processed().await;
    let send = sent_through_the_cloud_api(&app, &["+436641000007"], &["wamid.OURS"]).await;

    let body = notification(vec![entry(vec![json!({"field": "messages", "value": {
        "metadata": {"display_phone_number": "43800700700", "phone_number_id": "7007"},
        "statuses": [status_event("wamid.OURS", "delivered")]}})])]);
    let (status, e) = post_signed_to(&app, "7007", other_secret, &body).await;
    assert_eq!(status, 200, "{e}");
    let still_sent = vec![("+436641000007".to_owned(), "sent".to_owned(), Value::Null)];
    assert_eq!(statuses_by_recipient(&app, send).await, still_sent);

    let ours = one_status("wamid.OURS", "delivered");
    assert_eq!(post_signed(&app, &ours).await.0, 200);
    assert_eq!(statuses_by_recipient(&app, send).await[0].1, "delivered");
}

on_both_backends!(
    batched_statuses_update_messages_once,
    statuses_match_by_wamid_whichever_number_reports_them,
    statuses_from_another_accounts_number_leave_messages_alone,
);
