//! SMPP against the test SMSC: bind, submit, receipts, encodings, concatenation.

mod support;

use std::sync::Arc;
use std::time::Duration;

use bote_channels::smpp::{ConnectionState, SmppConfig, SmppConnector, id_variants};
use bote_channels::{ReceiptState, SendOutcome, SmsBody, SmsChannel};
use bote_domain::sms::gsm7;
use support::{RecordingSink, Smsc, sms};

const WAIT: Duration = Duration::from_secs(10);

fn connector(smsc: &Smsc, params: &str, sink: &Arc<RecordingSink>) -> SmppConnector {
    let cfg = SmppConfig::parse(&smsc.url(params)).unwrap();
    SmppConnector::start("test", cfg, sink.clone())
}

fn accepted(outcome: SendOutcome) -> Vec<String> {
    match outcome {
        SendOutcome::Accepted { provider_ids } => provider_ids,
        other => panic!("not accepted: {other:?}"),
    }
}

#[tokio::test]
async fn submit_and_receipt_with_decimal_ids() {
    let smsc = Smsc::start(&[]);
    let sink = RecordingSink::new();
    let c = connector(&smsc, "window=4", &sink);
    assert!(c.wait_bound(WAIT).await, "state {:?}", c.state());
    let ids = accepted(c.send(&sms(1, "Hello from bote")).await);
    assert_eq!(ids.len(), 1);
    let reports = sink.wait_reports(1, WAIT).await;
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].provider_id, ids[0]);
    assert_eq!(reports[0].state, ReceiptState::Delivered);
    assert_eq!(reports[0].connection, "test");
    assert_eq!(reports[0].error.as_deref(), Some("000"));
    assert!(reports[0].done_at.is_some());

    let rec = smsc.records("submit");
    assert_eq!(rec[0]["text"], "Hello from bote");
    assert_eq!(rec[0]["source"]["ton"], 5);
    assert_eq!(rec[0]["source"]["addr"], "bote");
    assert_eq!(rec[0]["dest"]["ton"], 1);
    assert_eq!(rec[0]["dest"]["npi"], 1);
    assert_eq!(rec[0]["dest"]["addr"], "436641234567");
    assert_eq!(rec[0]["registered_delivery"], 1);
    // Every receipt was acknowledged with ESME_ROK.
    let resps = smsc.wait_records("deliver_resp", 1, WAIT).await;
    assert_eq!(resps[0]["status"], 0);
    c.close().await;
    assert!(matches!(c.state(), ConnectionState::Disconnected { .. }));
    assert!(matches!(
        c.send(&sms(2, "late")).await,
        SendOutcome::Retry { .. }
    ));
}

#[tokio::test]
async fn hex_ids_and_tlv_receipts() {
    let smsc = Smsc::start(&[("SMSC_ID_FORMAT", "hex"), ("SMSC_RECEIPTS", "tlv")]);
    let sink = RecordingSink::new();
    let c = connector(&smsc, "", &sink);
    let ids = accepted(c.send(&sms(1, "hex please")).await);
    let reports = sink.wait_reports(1, WAIT).await;
    assert_eq!(reports[0].state, ReceiptState::Delivered);
    assert!(id_variants(&reports[0].provider_id).contains(&ids[0]));
    // 1000 = 0x3E8: the decimal form matches too.
    assert!(id_variants(&ids[0]).iter().any(|v| v == "1000"), "{ids:?}");
    c.close().await;
}

#[tokio::test]
async fn ucs2_and_concatenated_messages_arrive_intact() {
    let smsc = Smsc::start(&[("SMSC_RECEIPTS", "none")]);
    let sink = RecordingSink::new();
    let c = connector(&smsc, "concat=udh8", &sink);
    let ucs2 = "Grüße aus Wien 😀 Привет";
    assert_eq!(accepted(c.send(&sms(1, ucs2)).await).len(), 1);
    let long: String = (0..400)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect::<String>()
        + "{€}";
    assert!(gsm7::is_encodable(&long));
    assert_eq!(accepted(c.send(&sms(2, &long)).await).len(), 3);

    let rec = smsc.records("submit");
    assert_eq!(rec.len(), 4);
    assert_eq!(rec[0]["data_coding"], 8);
    assert_eq!(rec[0]["text"], ucs2);
    let mut parts: Vec<(String, String)> = rec[1..]
        .iter()
        .map(|r| {
            assert_eq!(r["data_coding"], 0);
            assert_eq!(r["esm_class"].as_u64().unwrap() & 0x40, 0x40);
            (
                r["udh"][0].as_str().unwrap().to_owned(),
                r["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    parts.sort();
    let refs: Vec<&str> = parts.iter().map(|p| &p.0[..6]).collect();
    assert!(
        refs.iter().all(|r| *r == refs[0]),
        "one reference: {parts:?}"
    );
    assert!(
        parts[0].0.ends_with("0301") && parts[2].0.ends_with("0303"),
        "{parts:?}"
    );
    let joined: String = parts.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(joined, long);
    c.close().await;
}

#[tokio::test]
async fn sar_concatenation() {
    let smsc = Smsc::start(&[("SMSC_RECEIPTS", "none")]);
    let sink = RecordingSink::new();
    let c = connector(&smsc, "concat=sar", &sink);
    let long = "0123456789".repeat(35);
    assert_eq!(accepted(c.send(&sms(1, &long)).await).len(), 3);
    let rec = smsc.records("submit");
    let mut parts: Vec<(u64, String)> = rec
        .iter()
        .map(|r| {
            assert_eq!(r["sar"]["total"], 3);
            assert_eq!(r["sar"]["ref"], rec[0]["sar"]["ref"]);
            (
                r["sar"]["seq"].as_u64().unwrap(),
                r["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    parts.sort();
    assert_eq!(parts.iter().map(|p| p.1.as_str()).collect::<String>(), long);
    c.close().await;
}

#[tokio::test]
async fn binary_segments_arrive_byte_for_byte() {
    let smsc = Smsc::start(&[("SMSC_RECEIPTS", "none")]);
    let sink = RecordingSink::new();
    let c = connector(&smsc, "concat=sar", &sink);
    let with_udh = vec![
        vec![5, 0, 3, 0x2a, 2, 1, 0xde, 0xad, 0x00, 0xff],
        vec![5, 0, 3, 0x2a, 2, 2, 0xbe, 0xef],
    ];
    let mut m = sms(1, "");
    m.body = SmsBody::Binary {
        segments: with_udh,
        udh: true,
    };
    assert_eq!(accepted(c.send(&m).await).len(), 2, "one id per segment");
    m.body = SmsBody::Binary {
        segments: vec![vec![0x00, 0x01, 0x80, 0xff]],
        udh: false,
    };
    assert_eq!(accepted(c.send(&m).await).len(), 1);

    let rec = smsc.records("submit");
    let got: Vec<(u64, u64, &str)> = rec
        .iter()
        .map(|r| {
            assert!(r["sar"].is_null(), "no concatenation of bote's: {r}");
            (
                r["data_coding"].as_u64().unwrap(),
                r["esm_class"].as_u64().unwrap(),
                r["bytes"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (4, 0x40, "0500032a0201dead00ff"),
            (4, 0x40, "0500032a0202beef"),
            (4, 0, "000180ff"),
        ]
    );
    c.close().await;
}

#[tokio::test]
async fn receipt_before_submit_resp_reaches_the_sink() {
    let smsc = Smsc::start(&[("SMSC_RECEIPT_FIRST", "1")]);
    let sink = RecordingSink::new();
    let c = connector(&smsc, "", &sink);
    let ids = accepted(c.send(&sms(1, "fast receipt")).await);
    let reports = sink.wait_reports(1, WAIT).await;
    assert_eq!(reports[0].provider_id, ids[0]);
    c.close().await;
}

#[tokio::test]
async fn receipt_is_acknowledged_only_once_stored() {
    let smsc = Smsc::start(&[]);
    let sink = RecordingSink::new();
    sink.fail_next(1);
    let c = connector(&smsc, "", &sink);
    let ids = accepted(c.send(&sms(1, "store fails once")).await);
    let reports = sink.wait_reports(1, WAIT).await;
    assert_eq!(reports[0].provider_id, ids[0]);
    let resps = smsc.wait_records("deliver_resp", 2, WAIT).await;
    assert_eq!(resps[0]["status"], 0x64, "ESME_RX_T_APPN while not stored");
    assert_eq!(resps[1]["status"], 0);
    c.close().await;
}

#[tokio::test]
async fn wrong_password_is_reported_and_sends_retry() {
    let smsc = Smsc::start(&[]);
    let sink = RecordingSink::new();
    let url = smsc
        .url("timeout=1s&reconnect_min=100ms")
        .replace(":secret@", ":wrong@");
    let c = SmppConnector::start("test", SmppConfig::parse(&url).unwrap(), sink.clone());
    let mut state = c.watch_state();
    let err = tokio::time::timeout(
        WAIT,
        state.wait_for(|s| matches!(s, ConnectionState::Disconnected { .. })),
    )
    .await
    .unwrap()
    .unwrap()
    .clone();
    let ConnectionState::Disconnected { last_error, .. } = err else {
        unreachable!()
    };
    assert!(last_error.contains("ESME_RBINDFAIL"), "{last_error}");
    assert!(matches!(
        c.send(&sms(1, "x")).await,
        SendOutcome::Retry { .. }
    ));
    c.close().await;
}
