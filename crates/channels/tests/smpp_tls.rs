//! SMPP over TLS (`smpps://`) against the test SMSC with a certificate made here.

mod support;

use std::time::Duration;

use bote_channels::smpp::{ConnectionState, SmppConfig, SmppConnector};
use bote_channels::{ReceiptState, SendOutcome, SmsChannel};
use support::{RecordingSink, Smsc, sms};

#[tokio::test]
async fn submit_and_receipt_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    let smsc = Smsc::start(&[
        ("SMSC_TLS_KEY", key.to_str().unwrap()),
        ("SMSC_TLS_CERT", cert.to_str().unwrap()),
    ]);
    let sink = RecordingSink::new();
    let url = smsc
        .url(&format!("ca={}", cert.display()))
        .replace("smpp://", "smpps://");
    let c = SmppConnector::start("tls", SmppConfig::parse(&url).unwrap(), sink.clone());
    assert!(
        c.wait_bound(Duration::from_secs(10)).await,
        "{:?}",
        c.state()
    );
    let SendOutcome::Accepted { provider_ids } = c.send(&sms(1, "over TLS")).await else {
        panic!("not accepted")
    };
    let reports = sink.wait_reports(1, Duration::from_secs(10)).await;
    assert_eq!(reports[0].provider_id, provider_ids[0]);
    assert_eq!(reports[0].state, ReceiptState::Delivered);
    c.close().await;

    // Without the CA (Mozilla roots only) the certificate is refused.
    let url = smsc.url("timeout=2s").replace("smpp://", "smpps://");
    let c = SmppConnector::start("tls", SmppConfig::parse(&url).unwrap(), sink.clone());
    let mut state = c.watch_state();
    let s = tokio::time::timeout(
        Duration::from_secs(10),
        state.wait_for(|s| matches!(s, ConnectionState::Disconnected { .. })),
    )
    .await
    .unwrap()
    .unwrap()
    .clone();
    let ConnectionState::Disconnected { last_error, .. } = s else {
        unreachable!()
    };
    assert!(last_error.contains("TLS"), "{last_error}");
    c.close().await;
}
