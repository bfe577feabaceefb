use std::sync::Mutex;

use bote_domain::{PhoneNumber, Region};

use super::*;
use crate::InboundSms;

#[derive(Default)]
struct Recorder {
    reports: Mutex<Vec<DeliveryReport>>,
    fail_first: Mutex<u32>,
}

#[async_trait::async_trait]
impl EventSink for Recorder {
    async fn delivery_report(&self, report: DeliveryReport) -> anyhow::Result<()> {
        let mut fail = self.fail_first.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            anyhow::bail!("store down");
        }
        self.reports.lock().unwrap().push(report);
        Ok(())
    }
    async fn inbound_sms(&self, _: InboundSms) -> anyhow::Result<()> {
        Ok(())
    }
}

fn sms(i: usize) -> OutboundSms {
    OutboundSms {
        message_id: i as i64,
        to: PhoneNumber::parse(&format!("0676 10000{:02}", i % 3), Region::AUSTRIA).unwrap(),
        sender: None,
        body: format!("Hallo {i}").into(),
        flash: false,
        validity: None,
        priority: None,
        want_receipt: true,
    }
}

#[tokio::test(start_paused = true)]
async fn reports_every_message_with_the_configured_failure_share() {
    let sink = Arc::new(Recorder::default());
    *sink.fail_first.lock().unwrap() = 3;
    let config = SandboxConfig {
        delivery_delay: Duration::from_secs(2),
        failure_share: 0.25,
        inbox_per_number: 2,
    };
    let sandbox = Sandbox::start(config, sink.clone()).sms;
    let mut ids = Vec::new();
    for i in 0..100 {
        match sandbox.send(&sms(i)).await {
            SendOutcome::Accepted { provider_ids } => ids.extend(provider_ids),
            other => panic!("sandbox refused: {other:?}"),
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        sink.reports.lock().unwrap().is_empty(),
        "nothing before the delay"
    );
    tokio::time::sleep(Duration::from_secs(10)).await;
    let reports = sink.reports.lock().unwrap().clone();
    assert_eq!(
        reports.len(),
        100,
        "every report arrives, also after the sink failed"
    );
    let mut reported: Vec<_> = reports.iter().map(|r| r.provider_id.clone()).collect();
    reported.sort();
    ids.sort();
    assert_eq!(
        reported, ids,
        "one per message; those that failed were retried"
    );
    let failed = reports
        .iter()
        .filter(|r| r.state == ReceiptState::Undeliverable)
        .count();
    assert_eq!(failed, 25);

    let number = sms(0).to;
    let kept = sandbox.inbox().messages(number.as_str());
    assert_eq!(kept.len(), 2, "inbox keeps the last messages per number");
    assert_eq!(kept[1].text, "Hallo 99");
    assert_eq!(sandbox.inbox().numbers().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn whatsapp_messages_are_kept_and_reported_on_their_own_connection() {
    let sink = Arc::new(Recorder::default());
    let sandbox = Sandbox::start(SandboxConfig::default(), sink.clone());
    let to = PhoneNumber::parse("+436761234567", Region::AUSTRIA).unwrap();
    let message = OutboundWhatsapp {
        message_id: 1,
        to: to.clone(),
        from: Some("+43800123456".into()),
        content: crate::WhatsappContent::Media {
            kind: bote_domain::MediaKind::Image,
            link: "https://example.com/a.jpg".into(),
            caption: Some("Neu! 🎉".into()),
            filename: None,
        },
    };
    let SendOutcome::Accepted { provider_ids } = sandbox.whatsapp.send(&message).await else {
        panic!("sandbox refused");
    };
    assert!(
        provider_ids[0].starts_with("wamid.sbx-"),
        "{provider_ids:?}"
    );
    let kept = sandbox.whatsapp.inbox().messages(to.as_str());
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].text, "[image] https://example.com/a.jpg Neu! 🎉");
    assert!(
        sandbox.sms.inbox().messages(to.as_str()).is_empty(),
        "inboxes are per channel"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let reports = sink.reports.lock().unwrap().clone();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].connection, SANDBOX_WHATSAPP_NAME);
    assert_eq!(reports[0].provider_id, provider_ids[0]);
    assert_eq!(reports[0].state, ReceiptState::Delivered);
}
