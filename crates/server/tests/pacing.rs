//! Pacing: a large send through one rate-limited connection does not hold back the sends of
//! other connections. Two Cloud API numbers at 250 messages/s on the Graph API stand-in: a
//! broadcast of 1,500 from the first, accepted first, takes six seconds at that rate; a
//! one-off message from the second, accepted after it, goes out while the broadcast has
//! barely begun. Every broadcast message still goes out once, within its number's rate.
//! Such a send is written paced: its messages come due at its number's rate.

mod support;

use std::time::Duration;

use bote::config::Role;
use bote_domain::ChannelKind;
use bote_graph_standin::{GraphStandin, StandinConfig, StandinNumber};
use bote_store::NewBusinessNumber;
use chrono::Utc;
use serde_json::{Value, json};
use support::{Backend, TestApp, eventually, spawn_app_with};

const RATE: u32 = 250;
const BROADCAST: usize = 1_500;
const BROADCAST_ID: &str = "3001";
const ONE_OFF_ID: &str = "3002";

fn recipient(i: usize) -> String {
    format!("+43664{:07}", 3_000_000 + i)
}

async fn add_number(app: &TestApp, phone_number_id: &str, number: &str) {
    app.store
        .add_business_number(
            app.account.id,
            NewBusinessNumber {
                messages_per_second: RATE,
                ..support::cloud::cloud_number(
                    number,
                    phone_number_id,
                    &format!("token-{phone_number_id}"),
                    "app-secret",
                )
            },
        )
        .await
        .unwrap();
}

async fn template_send(app: &TestApp, sender: &str, to: &[String]) -> Value {
    let (status, send) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "whatsapp", "sender": sender,
                   "template": {"name": "angebot", "language": "de"},
                   "to": {"numbers": to}}),
        )
        .await;
    assert_eq!(status, 202, "{send}");
    send
}

async fn a_broadcast_does_not_hold_back_another_number(backend: Backend) {
    let standin = GraphStandin::start(StandinConfig {
        numbers: [(BROADCAST_ID, "43800300300"), (ONE_OFF_ID, "43800400400")]
            .into_iter()
            .map(|(id, display)| StandinNumber {
                phone_number_id: id.into(),
                access_token: format!("token-{id}"),
                app_secret: "app-secret".into(),
                display_number: display.into(),
            })
            .collect(),
        ..StandinConfig::default()
    })
    .await
    .unwrap();
    let base = standin.base_url();
    let app = spawn_app_with(backend, |c| c.whatsapp_api_base = base.parse().unwrap()).await;
    add_number(&app, BROADCAST_ID, "+43800300300").await;
    add_number(&app, ONE_OFF_ID, "+43800400400").await;
    let everyone: Vec<String> = (0..=BROADCAST).map(recipient).collect();
    let numbers: Vec<&str> = everyone.iter().map(String::as_str).collect();
    support::cloud::opted_in(&app, &numbers).await;

    template_send(&app, "+43800300300", &everyone[..BROADCAST]).await;
    template_send(&app, "+43800400400", &everyone[BROADCAST..]).await;

    let broadcast_calls_before_the_one_off = eventually(20, "the one-off message sent", || async {
        let requests = standin.requests();
        requests
            .iter()
            .any(|r| r.phone_number_id == ONE_OFF_ID)
            .then(|| {
                requests
                    .iter()
                    .take_while(|r| r.phone_number_id != ONE_OFF_ID)
                    .count()
            })
    })
    .await;
    // Without pacing, every claim holds 500 broadcast messages and waits for them at 250/s:
    // the one-off message would follow at least 1,000 of them.
    assert!(
        broadcast_calls_before_the_one_off < 500,
        "the one-off message waited for {broadcast_calls_before_the_one_off} broadcast messages"
    );

    // The broadcast goes on at its number's rate, each recipient once.
    let calls = eventually(30, "the broadcast sent", || async {
        let calls: Vec<_> = standin
            .requests()
            .into_iter()
            .filter(|r| r.phone_number_id == BROADCAST_ID)
            .collect();
        (calls.len() >= BROADCAST).then_some(calls)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let calls_now = standin
        .requests()
        .iter()
        .filter(|r| r.phone_number_id == BROADCAST_ID)
        .count();
    assert_eq!(calls_now, BROADCAST, "no broadcast message went out twice");
    let mut to: Vec<_> = calls.iter().filter_map(|r| r.to.clone()).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), BROADCAST, "each recipient once");
    // 1,500 slots at 250/s span at least 5.996 s from the first to the last; a call arrives
    // at its slot or later (a loaded machine delays some and then sends them close together,
    // so single seconds are no measure here), so only a late first call shortens the span.
    let first = calls.iter().map(|r| r.at).min().unwrap();
    let last = calls.iter().map(|r| r.at).max().unwrap();
    assert!(
        last - first >= Duration::from_millis(5_500),
        "{BROADCAST} calls in {:?} at {RATE}/s",
        last - first
    );
}

/// A WhatsApp send from a Cloud API number is written paced: its messages come due one slot
/// of the number's rate apart, so no dispatcher has to move them behind the number's queue
/// later. An API-only process, so that no dispatcher claims them first.
async fn a_cloud_send_comes_due_at_its_numbers_rate(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.role = Role::Api).await;
    app.store
        .add_business_number(
            app.account.id,
            NewBusinessNumber {
                messages_per_second: 2,
                ..support::cloud::cloud_number("+43800300300", BROADCAST_ID, "token", "secret")
            },
        )
        .await
        .unwrap();
    let to: Vec<String> = (0..5).map(recipient).collect();
    support::cloud::opted_in(&app, &to.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let at = Utc::now() + chrono::Duration::hours(1);
    let (status, send) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "whatsapp", "sender": "+43800300300",
                   "template": {"name": "angebot", "language": "de"},
                   "schedule_at": at, "to": {"numbers": to}}),
        )
        .await;
    assert_eq!(status, 202, "{send}");
    // 2 a second: one every 500 ms from the send's time, in the order given.
    let mut due = Vec::new();
    for ms in [0, 499, 1_000, 2_100] {
        let now = at + chrono::Duration::milliseconds(ms);
        let claimed = app
            .store
            .claim_messages(
                ChannelKind::Whatsapp,
                now,
                now + chrono::Duration::minutes(1),
                100,
            )
            .await
            .unwrap();
        due.push(
            claimed
                .iter()
                .map(|m| m.recipient.to_string())
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(
        due,
        vec![
            vec![to[0].clone()],
            vec![],
            vec![to[1].clone(), to[2].clone()],
            vec![to[3].clone(), to[4].clone()],
        ]
    );
}

on_both_backends!(
    a_broadcast_does_not_hold_back_another_number,
    a_cloud_send_comes_due_at_its_numbers_rate
);
