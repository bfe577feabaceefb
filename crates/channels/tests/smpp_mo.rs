//! MO messages (deliver_sm without receipt flag) reach `EventSink::inbound_sms`, whole.

mod support;

use std::time::Duration;

use bote_channels::smpp::{SmppConfig, SmppConnector};
use serde_json::json;
use support::{RecordingSink, Smsc};

const WAIT: Duration = Duration::from_secs(10);

async fn bound(smsc: &Smsc, params: &str, sink: &std::sync::Arc<RecordingSink>) -> SmppConnector {
    let cfg = SmppConfig::parse(&smsc.url(params)).unwrap();
    let c = SmppConnector::start("mo", cfg, sink.clone());
    assert!(c.wait_bound(WAIT).await);
    c
}

#[tokio::test]
async fn plain_ucs2_and_concatenated_mo() {
    let mut smsc = Smsc::start(&[]);
    let sink = RecordingSink::new();
    let c = bound(&smsc, "", &sink).await;

    smsc.command(json!({"cmd": "mo", "from": "436641111111", "to": "43828", "text": "Hello bote"}));
    let got = sink.wait_inbound(1, WAIT).await;
    assert_eq!(got[0].text, "Hello bote");
    assert_eq!(got[0].from, "436641111111");
    assert_eq!(got[0].to, "43828");
    assert_eq!(got[0].connection, "mo");

    smsc.command(json!({"cmd": "mo", "from": "1", "to": "2", "text": "Grüß Gott Привет", "encoding": "ucs2"}));
    assert_eq!(sink.wait_inbound(2, WAIT).await[1].text, "Grüß Gott Привет");

    let long = "The quick brown fox jumps over the lazy dog. ".repeat(8);
    smsc.command(json!({"cmd": "mo", "from": "3", "to": "4", "text": long, "parts": 3}));
    let got = sink.wait_inbound(3, WAIT).await;
    assert_eq!(got.len(), 3, "parts are held until the set is whole");
    assert_eq!(got[2].text, long);

    let long16 = "Ünïcödé text in SAR parts. ".repeat(6);
    smsc.command(json!({"cmd": "mo", "from": "5", "to": "6", "text": long16, "parts": 2, "concat": "sar", "encoding": "ucs2"}));
    let got = sink.wait_inbound(4, WAIT).await;
    assert_eq!(got[3].text, long16);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sink.inbound().len(), 4, "no extra messages");
    c.close().await;
}

#[tokio::test]
async fn mo_is_redelivered_when_the_store_fails() {
    let mut smsc = Smsc::start(&[]);
    let sink = RecordingSink::new();
    let c = bound(&smsc, "", &sink).await;
    sink.fail_next(1);
    smsc.command(json!({"cmd": "mo", "from": "7", "to": "8", "text": "retry me"}));
    let got = sink.wait_inbound(1, WAIT).await;
    assert_eq!(got[0].text, "retry me");
    let resps = smsc.wait_records("deliver_resp", 2, WAIT).await;
    assert_eq!(resps[0]["status"], 0x64);
    assert_eq!(resps[1]["status"], 0);
    c.close().await;
}

#[tokio::test]
async fn transmitter_receiver_pair() {
    let mut smsc = Smsc::start(&[]);
    let sink = RecordingSink::new();
    let c = bound(&smsc, "bind=tx_rx", &sink).await;
    use bote_channels::SmsChannel;
    let out = c.send(&support::sms(1, "via transmitter")).await;
    assert!(
        matches!(out, bote_channels::SendOutcome::Accepted { .. }),
        "{out:?}"
    );
    assert_eq!(sink.wait_reports(1, WAIT).await.len(), 1);
    smsc.command(json!({"cmd": "mo", "from": "9", "to": "10", "text": "via receiver"}));
    assert_eq!(sink.wait_inbound(1, WAIT).await[0].text, "via receiver");
    c.close().await;
}
