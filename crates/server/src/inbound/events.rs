//! The sink every channel reports to: delivery reports to the receipt writer, inbound
//! messages to the inbound pipeline. Each call returns once the event is stored.

use std::sync::Arc;

use bote_channels::{DeliveryReport, EventSink, InboundSms};
use bote_domain::{ChannelKind, Region};
use bote_store::{NewInbound, Store};

use super::ReceiptWriter;
use super::receive::{normalise_from, normalise_to, receive};

pub struct Events {
    pub receipts: Arc<ReceiptWriter>,
    pub store: Arc<dyn Store>,
    /// For senders' numbers written without a country code.
    pub region: Region,
    /// The packages' opt-in caps, for the consent pipeline (R2).
    pub caps: crate::addon::PackageCaps,
}

#[async_trait::async_trait]
impl EventSink for Events {
    async fn delivery_report(&self, report: DeliveryReport) -> anyhow::Result<()> {
        self.receipts.write(report).await
    }

    async fn inbound_sms(&self, sms: InboundSms) -> anyhow::Result<()> {
        let message = NewInbound {
            channel: ChannelKind::Sms,
            connection: sms.connection,
            from: normalise_from(&sms.from, self.region),
            to: normalise_to(&sms.to),
            kind: "text".into(),
            text: Some(sms.text),
            provider_id: None,
            received_at: sms.received_at,
        };
        receive(self.store.as_ref(), &self.caps, message)
            .await
            .map(|_| ())
    }
}
