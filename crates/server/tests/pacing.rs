//! Pacing: a large send through one rate-limited connection does not hold back the sends of
//! other connections. Two Cloud API numbers at 250 messages/s on the Graph API stand-in: a
//! broadcast of 1,500 from the first, accepted first, takes six seconds at that rate; a
//! one-off message from the second, accepted after it, goes out while the broadcast has
//! barely begun. Every broadcast message still goes out once, within its number's rate.

mod support;

use std::time::Duration;

use bote_graph_standin::{GraphStandin, StandinConfig, StandinNumber};
use bote_store::NewBusinessNumber;
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

on_both_backends!(a_broadcast_does_not_hold_back_another_number);
