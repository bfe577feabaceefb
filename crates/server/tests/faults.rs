//! Faults (issue 7): bote retries, recovers and loses nothing when
//! - the callback receiver is down (connections refused) and comes back: every delivery
//!   report arrives, retried on `CALLBACK_RETRY_SCHEDULE` (the first retry after 10 s);
//! - the Graph API answers 500 and 429 in bursts: those messages are tried again and all
//!   end delivered, each recipient sent exactly once successfully;
//! - the PostgreSQL server restarts in the middle of a send (a private server of this
//!   test's own, not the machine's shared one): dispatch, receipts and callbacks carry on
//!   once it is back, every message ends delivered.
//!
//! Real parts: the app as `bote serve` builds it, real PostgreSQL, real HTTP, the Graph
//! API stand-in.

mod support;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use bote_domain::UserRole;
use bote_graph_standin::{GraphStandin, StandinConfig, StandinNumber};
use serde_json::{Value, json};
use support::cloud::{opted_in, wrote};
use support::private_pg::PrivatePostgres;
use support::receiver::Receiver;
use support::serve::free_port;
use support::{Backend, TestApp, eventually, spawn_app_at, spawn_app_with};

fn numbers(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("+43664{i:07}")).collect()
}

/// Message counts of a send by status.
async fn counts(app: &TestApp, send: &Value) -> Value {
    app.get_json(&format!("/api/v1/sends/{}", send["id"]))
        .await
        .1["counts"]
        .clone()
}

/// The distinct recipients whose delivery report reached the receiver.
fn reported(receiver: &Receiver) -> HashSet<String> {
    receiver
        .all()
        .iter()
        .filter_map(|r| r.body["senderAddress"].as_str().map(str::to_owned))
        .collect()
}

/// A callback receiver that refuses connections while bote sends and reports, then comes
/// back on the same address: every report arrives, after the first retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_arrive_after_the_receiver_was_down() {
    const N: usize = 20;
    let app = spawn_app_with(Backend::Postgres, |_| {}).await;
    app.user("ops", "ops-password-123", UserRole::AccountManager)
        .await;
    let port = free_port(); // nothing listens there yet: connections are refused
    let (status, send) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "sms", "text": "Callback fault", "to": {"numbers": numbers(N)},
                   "callback_url": format!("http://127.0.0.1:{port}/cb")}),
        )
        .await;
    assert_eq!(status, 202, "{send}");
    eventually(20, "every message delivered", || async {
        (counts(&app, &send).await == json!({"delivered": N})).then_some(())
    })
    .await;
    // Each report was attempted against the closed port and failed.
    let failures = eventually(10, "the failed callback attempts counted", || async {
        let text = app
            .client
            .get(app.url("/metrics"))
            .basic_auth("ops", Some("ops-password-123"))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        let failed: f64 = text
            .lines()
            .filter(|l| l.starts_with("bote_callbacks_total") && l.contains("result=\"retry\""))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum();
        (failed >= N as f64).then_some(failed)
    })
    .await;

    let (receiver, _) = Receiver::start_on(port).await;
    let got = eventually(
        30,
        "every report delivered once the receiver is back",
        || async {
            let got = reported(&receiver);
            (got.len() == N).then_some(got)
        },
    )
    .await;
    assert_eq!(
        got,
        numbers(N)
            .iter()
            .map(|n| n.trim_start_matches('+').to_owned())
            .collect::<HashSet<_>>()
    );
    println!(
        "callback receiver down: {failures} failed attempts, then all {N} reports delivered \
         ({} requests)",
        receiver.all().len()
    );
}

/// The Graph API answers a burst of 500s and a burst of 429s: every message is retried
/// and ends delivered; each recipient got exactly one accepted request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_api_500_and_429_bursts_are_retried() {
    const N: usize = 30;
    const BURST: u32 = 10;
    let port = free_port();
    let standin = GraphStandin::start(StandinConfig {
        numbers: vec![StandinNumber {
            phone_number_id: "2001".into(),
            access_token: "EAAG-faults".into(),
            app_secret: "faults-app-secret".into(),
            display_number: "43800300300".into(),
        }],
        webhook_url: Some(format!(
            "http://127.0.0.1:{port}/webhooks/whatsapp/{{phone_number_id}}"
        )),
        status_delay: Duration::from_millis(20),
        ..StandinConfig::default()
    })
    .await
    .unwrap();
    let base = standin.base_url();
    let app = spawn_app_with(Backend::Postgres, |c| {
        c.listen = format!("127.0.0.1:{port}").parse().unwrap();
        c.whatsapp_api_base = base.parse().unwrap();
    })
    .await;
    app.store
        .add_business_number(
            app.account.id,
            support::cloud::cloud_number(
                "+43800300300",
                "2001",
                "EAAG-faults",
                "faults-app-secret",
            ),
        )
        .await
        .unwrap();
    let to = numbers(N);
    let to_refs: Vec<&str> = to.iter().map(String::as_str).collect();
    opted_in(&app, &to_refs).await;
    // Free-form WhatsApp goes only to numbers inside their 24-hour service window.
    for n in &to_refs {
        wrote(&app, n, "+43800300300", chrono::Utc::now()).await;
    }
    // The first ten requests get a bare 500, the next ten a 429.
    standin.fail_next_http(BURST, 500);
    standin.fail_next_http(BURST, 429);

    let (status, send) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "whatsapp", "text": "Fault test", "sender": "+43800300300",
                   "to": {"numbers": to}}),
        )
        .await;
    assert_eq!(status, 202, "{send}");
    assert_eq!(send["accepted"], N, "{send}");
    eventually(30, "every message delivered after the bursts", || async {
        (counts(&app, &send).await == json!({"delivered": N})).then_some(())
    })
    .await;

    let requests = standin.requests();
    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    let mut accepted: BTreeMap<String, usize> = BTreeMap::new();
    for r in &requests {
        *by_status.entry(r.status).or_default() += 1;
        if r.status == 200 {
            *accepted
                .entry(r.body["to"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    assert_eq!(
        by_status.get(&500),
        Some(&(BURST as usize)),
        "{by_status:?}"
    );
    assert_eq!(
        by_status.get(&429),
        Some(&(BURST as usize)),
        "{by_status:?}"
    );
    assert_eq!(accepted.len(), N, "every recipient accepted once");
    assert!(
        accepted.values().all(|&n| n == 1),
        "a recipient was sent twice: {accepted:?}"
    );
    println!("Graph API bursts: requests by HTTP status {by_status:?}; all {N} delivered");
}

/// The PostgreSQL server stops in the middle of a send and starts again: nothing accepted
/// is lost, and nothing is sent twice while the outage is shorter than the lease. Sandbox SMS with delayed receipts, so dispatch, receipts and callbacks all
/// meet the outage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_mid_send_loses_nothing() {
    const N: usize = 2_000;
    let pg = PrivatePostgres::start();
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_at(Backend::Postgres, pg.url(), dir, |c| {
        c.sandbox_delivery_delay = Duration::from_millis(300);
        c.dispatch_lease = Duration::from_secs(8);
    })
    .await;
    let (receiver, addr) = Receiver::start().await;
    let (status, send) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "sms", "text": "Restart", "to": {"numbers": numbers(N)},
                   "callback_url": format!("http://{addr}/cb")}),
        )
        .await;
    assert_eq!(status, 202, "{send}");
    // Stop while messages are being dispatched and reported.
    let before = eventually(20, "dispatch under way", || async {
        let c = counts(&app, &send).await;
        let done = c["delivered"].as_u64().unwrap_or(0) + c["sent"].as_u64().unwrap_or(0);
        (done > 0).then_some(c)
    })
    .await;
    pg.stop();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    pg.start_again();

    eventually(60, "every message delivered after the restart", || async {
        (counts(&app, &send).await == json!({"delivered": N})).then_some(())
    })
    .await;
    let inboxes = app.sandbox.sms.inbox();
    let mut twice = 0;
    for n in numbers(N) {
        let got = inboxes.messages(&n).len();
        assert!(got >= 1, "{n} never received its message");
        twice += got - 1;
    }
    eventually(30, "every report called back", || async {
        (reported(&receiver).len() == N).then_some(())
    })
    .await;
    // Outcomes the outage cut off are written once the server is back, within the lease:
    // nothing goes out twice (with a 2 s lease and no retries, 128 did).
    assert_eq!(twice, 0, "messages sent twice after the restart");
    println!("PostgreSQL restart: stopped at {before}; all {N} delivered and reported, none twice");
}
