//! Throughput with a window: 10,000 messages through the test SMSC, every receipt back.

mod support;

use std::time::{Duration, Instant};

use bote_channels::smpp::{SmppConfig, SmppConnector};
use bote_channels::{SendOutcome, SmsChannel};
use futures::StreamExt;
use support::{RecordingSink, Smsc, sms};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_messages_with_a_window_of_64() {
    const N: usize = 10_000;
    let smsc = Smsc::start(&[]);
    let sink = RecordingSink::new();
    let cfg = SmppConfig::parse(&smsc.url("window=64")).unwrap();
    let c = SmppConnector::start("load", cfg, sink.clone());
    assert!(c.wait_bound(Duration::from_secs(10)).await);

    let start = Instant::now();
    let c = &c;
    let outcomes: Vec<SendOutcome> = futures::stream::iter(0..N)
        .map(|i| async move {
            c.send(&sms(i as i64, &format!("load test message {i}")))
                .await
        })
        .buffer_unordered(128)
        .collect()
        .await;
    let sent = start.elapsed();
    let mut ids = std::collections::HashSet::new();
    for o in &outcomes {
        match o {
            SendOutcome::Accepted { provider_ids } => ids.extend(provider_ids.iter().cloned()),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(ids.len(), N);
    let reports = sink.wait_reports(N, Duration::from_secs(30)).await;
    let all = start.elapsed();
    assert_eq!(reports.len(), N);
    assert!(reports.iter().all(|r| ids.contains(&r.provider_id)));
    eprintln!(
        "{N} messages accepted in {:.2?} ({:.0} msgs/s); all receipts in {:.2?} ({:.0} msgs/s end to end)",
        sent,
        N as f64 / sent.as_secs_f64(),
        all,
        N as f64 / all.as_secs_f64()
    );
    assert!(all < Duration::from_secs(30), "took {all:?}");
    c.close().await;
}
