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
        text: format!("Hallo {i}"),
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
    let sandbox = SandboxSms::start(config, sink.clone());
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
    let reported: Vec<_> = reports.iter().map(|r| r.provider_id.clone()).collect();
    assert_eq!(reported, ids, "in order, one per message");
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
