//! Connection loss and throttling: the caller retries `Retry` outcomes until every
//! message is accepted.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bote_channels::smpp::{ConnectionState, SmppConfig, SmppConnector};
use bote_channels::{SendOutcome, SmsChannel};
use futures::StreamExt;
use support::{RecordingSink, Smsc, sms};

/// Sends `n` messages concurrently, retrying each until accepted; returns how many
/// `Retry` outcomes were seen. Panics on `Rejected` or `Failed`.
async fn send_all(c: &SmppConnector, n: usize, concurrency: usize) -> usize {
    let retries: Vec<usize> = futures::stream::iter(0..n)
        .map(|i| async move {
            let msg = sms(i as i64, &format!("message {i}"));
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut retries = 0;
            loop {
                match c.send(&msg).await {
                    SendOutcome::Accepted { .. } => return retries,
                    SendOutcome::Retry { after, .. } => {
                        retries += 1;
                        assert!(Instant::now() < deadline, "message {i} never accepted");
                        tokio::time::sleep(after.unwrap_or(Duration::from_millis(50))).await;
                    }
                    other => panic!("message {i}: {other:?}"),
                }
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    retries.iter().sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_the_smsc_drops_the_connection() {
    const N: usize = 2_000;
    const WINDOW: usize = 32;
    let smsc = Smsc::start(&[("SMSC_DROP_AFTER", "500"), ("SMSC_RECEIPTS", "none")]);
    let sink = RecordingSink::new();
    let cfg =
        SmppConfig::parse(&smsc.url(&format!("window={WINDOW}&reconnect_min=100ms&timeout=2s")))
            .unwrap();
    let c = SmppConnector::start("drop", cfg, sink.clone());
    let mut states = c.watch_state();
    let saw_disconnect = tokio::spawn(async move {
        states
            .wait_for(|s| matches!(s, ConnectionState::Disconnected { .. }))
            .await
            .is_ok()
    });
    let retries = send_all(&c, N, 64).await;
    assert!(
        saw_disconnect.await.unwrap(),
        "the connection never dropped"
    );
    assert!(retries > 0, "the drop should have failed in-flight sends");
    assert_eq!(c.state(), ConnectionState::Bound);

    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in smsc.records("submit") {
        *seen
            .entry(r["text"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(seen.len(), N, "every message reached the SMSC");
    let twice = seen.values().filter(|&&n| n > 1).count();
    eprintln!(
        "connection dropped once: {retries} Retry outcomes, {twice} messages seen twice by the SMSC"
    );
    assert!(twice <= WINDOW, "{twice} duplicates > window {WINDOW}");
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_answers_become_retries_then_success() {
    const N: usize = 200;
    let smsc = Smsc::start(&[("SMSC_THROTTLE_SHARE", "0.25"), ("SMSC_RECEIPTS", "none")]);
    let sink = RecordingSink::new();
    let cfg = SmppConfig::parse(&smsc.url("window=16")).unwrap();
    let c = SmppConnector::start("throttle", cfg, sink.clone());
    let start = Instant::now();
    let retries = send_all(&c, N, 32).await;
    eprintln!(
        "throttled: {retries} Retry outcomes for {N} messages in {:.2?}",
        start.elapsed()
    );
    assert!(
        retries >= N / 5,
        "about a quarter of submits are throttled, saw {retries}"
    );
    assert_eq!(smsc.records("submit").len(), N);
    c.close().await;
}

#[tokio::test]
async fn smsc_unbind_and_enquire_link() {
    let smsc = Smsc::start(&[("SMSC_RECEIPTS", "none")]);
    let mut smsc = smsc;
    let sink = RecordingSink::new();
    let cfg = SmppConfig::parse(&smsc.url("enquire_link=200ms&reconnect_min=100ms")).unwrap();
    let c = SmppConnector::start("el", cfg, sink);
    assert!(c.wait_bound(Duration::from_secs(10)).await);
    // Several enquire_links are answered; the session stays bound.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(c.state(), ConnectionState::Bound);
    assert!(matches!(
        c.send(&sms(1, "still there")).await,
        SendOutcome::Accepted { .. }
    ));

    // The SMSC's enquire_link is answered, an unknown command gets generic_nack.
    smsc.command(serde_json::json!({"cmd": "enquire_link"}));
    smsc.command(serde_json::json!({"cmd": "query_sm"}));
    let answers = smsc.wait_records("answer", 2, Duration::from_secs(5)).await;
    let find = |to: &str| answers.iter().find(|a| a["to"] == to).cloned().unwrap();
    assert_eq!(find("enquire_link")["command"], "enquire_link_resp");
    assert_eq!(find("query_sm")["command"], "generic_nack");
    assert_eq!(find("query_sm")["status"], 3);

    // The SMSC unbinds: answered, then the connector binds again.
    let mut states = c.watch_state();
    smsc.command(serde_json::json!({"cmd": "unbind"}));
    let answers = smsc.wait_records("answer", 3, Duration::from_secs(5)).await;
    assert_eq!(
        answers.iter().find(|a| a["to"] == "unbind").unwrap()["command"],
        "unbind_resp"
    );
    tokio::time::timeout(
        Duration::from_secs(5),
        states.wait_for(|s| matches!(s, ConnectionState::Disconnected { last_error, .. } if last_error.contains("unbound by the SMSC"))),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(c.wait_bound(Duration::from_secs(5)).await);
    assert!(matches!(
        c.send(&sms(2, "after rebind")).await,
        SendOutcome::Accepted { .. }
    ));
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn segments_per_second_limit() {
    let smsc = Smsc::start(&[("SMSC_RECEIPTS", "none")]);
    let cfg = SmppConfig::parse(&smsc.url("mps=20&window=8")).unwrap();
    let c = SmppConnector::start("mps", cfg, RecordingSink::new());
    assert!(c.wait_bound(Duration::from_secs(10)).await);
    let start = Instant::now();
    assert_eq!(send_all(&c, 21, 8).await, 0);
    let took = start.elapsed();
    // 21 segments at 20/s: the first goes at once, the last a second later.
    assert!(took >= Duration::from_millis(950), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    c.close().await;
}
