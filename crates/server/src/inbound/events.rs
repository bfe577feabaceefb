//! The sink every channel reports to: delivery reports to the receipt writer, inbound
//! messages to the inbound pipeline. Each call returns once the event is stored.

use std::sync::Arc;

use bote_channels::{DeliveryReport, EventSink, InboundSms};
use bote_domain::{ChannelKind, Region};
use bote_store::{NewInbound, Store};

use super::receive::{normalise_from, normalise_to};
use super::{InboundWriter, Processor, ReceiptWriter};

pub struct Events {
    pub receipts: Arc<ReceiptWriter>,
    pub inbound: Arc<InboundWriter>,
    /// Runs stored inbound messages through keywords; the `InboundWorker` hands it those
    /// whose lease ran out.
    pub processor: Arc<Processor>,
    /// For senders' numbers written without a country code.
    pub region: Region,
}

impl Events {
    /// Starts the receipt writer, the inbound processor and writer on `store`; `caps` are
    /// the packages' opt-in caps for the consent pipeline (R2).
    pub fn start(store: Arc<dyn Store>, region: Region, caps: crate::addon::PackageCaps) -> Events {
        // Processing may commit without waiting for the disk: what a database crash takes
        // back, the message's durable mark replays (`Store::replayable`).
        let processing = store.replayable().unwrap_or_else(|| store.clone());
        let processor = Processor::start(processing, caps);
        Events {
            receipts: ReceiptWriter::start(store.clone()),
            inbound: InboundWriter::start(store, processor.clone()),
            processor,
            region,
        }
    }
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
        self.inbound.receive(vec![message]).await.map(|_| ())
    }
}
