//! Error answers, timeouts, dead links and a clean unbind, against the test SMSC.

mod support;

use std::time::Duration;

use bote_channels::smpp::{ConnectionState, SmppConfig, SmppConnector};
use bote_channels::{SendOutcome, SmsChannel};
use bote_domain::PhoneNumber;
use support::{RecordingSink, Smsc, sms};

const WAIT: Duration = Duration::from_secs(10);

fn start(smsc: &Smsc, params: &str) -> SmppConnector {
    let cfg = SmppConfig::parse(&smsc.url(params)).unwrap();
    SmppConnector::start("err", cfg, RecordingSink::new())
}

#[tokio::test]
async fn refused_destination_is_rejected_with_the_status_name() {
    let smsc = Smsc::start(&[("SMSC_REJECT_DEST", "430000000")]);
    let c = start(&smsc, "");
    let mut m = sms(1, "nobody");
    m.to = PhoneNumber::from_e164_unchecked("+430000000");
    match c.send(&m).await {
        SendOutcome::Rejected { code, .. } => assert_eq!(code, "ESME_RINVDSTADR"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        c.send(&sms(2, "fine")).await,
        SendOutcome::Accepted { .. }
    ));
    c.close().await;
}

#[tokio::test]
async fn queue_full_is_a_retry() {
    let smsc = Smsc::start(&[
        ("SMSC_THROTTLE_SHARE", "1"),
        ("SMSC_THROTTLE_STATUS", "0x14"),
    ]);
    let c = start(&smsc, "");
    match c.send(&sms(1, "queue full")).await {
        SendOutcome::Retry { reason, after } => {
            assert!(reason.contains("ESME_RMSGQFUL"), "{reason}");
            assert!(after.is_some());
        }
        other => panic!("{other:?}"),
    }
    c.close().await;
}

#[tokio::test]
async fn unanswered_submit_times_out_as_retry() {
    let smsc = Smsc::start(&[("SMSC_IGNORE", "submit_sm")]);
    let c = start(&smsc, "timeout=300ms");
    assert!(c.wait_bound(WAIT).await);
    match c.send(&sms(1, "into the void")).await {
        SendOutcome::Retry { reason, .. } => assert!(reason.contains("no response"), "{reason}"),
        other => panic!("{other:?}"),
    }
    c.close().await;
}

#[tokio::test]
async fn unanswered_enquire_link_drops_the_session() {
    let smsc = Smsc::start(&[("SMSC_IGNORE", "enquire_link")]);
    let c = start(&smsc, "enquire_link=200ms&timeout=300ms&reconnect_min=5s");
    assert!(c.wait_bound(WAIT).await);
    let mut state = c.watch_state();
    let s = tokio::time::timeout(
        WAIT,
        state.wait_for(|s| matches!(s, ConnectionState::Disconnected { .. })),
    )
    .await
    .unwrap()
    .unwrap()
    .clone();
    let ConnectionState::Disconnected { last_error, .. } = s else {
        unreachable!()
    };
    assert!(last_error.contains("enquire_link"), "{last_error}");
    c.close().await;
}

#[tokio::test]
async fn close_unbinds_cleanly_after_outstanding_submits() {
    let smsc = Smsc::start(&[("SMSC_RECEIPTS", "none")]);
    let c = start(&smsc, "");
    let mut m = sms(1, "flash");
    m.flash = true;
    m.validity = Some(Duration::from_secs(3600));
    m.priority = Some(9);
    m.want_receipt = false;
    m.sender = None;
    assert!(matches!(c.send(&m).await, SendOutcome::Accepted { .. }));
    c.close().await;
    assert!(matches!(c.state(), ConnectionState::Disconnected { .. }));
    assert_eq!(smsc.wait_records("unbind", 1, WAIT).await.len(), 1);

    let rec = &smsc.records("submit")[0];
    assert_eq!(rec["data_coding"], 0x10, "flash: class 0");
    assert_eq!(rec["text"], "flash");
    // The SMSC library reads the relative validity as an absolute time: about 1 h ahead.
    let until: chrono::DateTime<chrono::Utc> = rec["validity"].as_str().unwrap().parse().unwrap();
    let ahead = (until - chrono::Utc::now()).num_seconds();
    assert!((3540..=3600).contains(&ahead), "{ahead}");
    assert_eq!(rec["priority"], 3);
    assert_eq!(rec["registered_delivery"], 0);
    assert_eq!(rec["source"]["addr"], "");
    assert_eq!(rec["source"]["ton"], 0);
}
