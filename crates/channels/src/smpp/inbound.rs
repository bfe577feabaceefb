//! What arrives in deliver_sm: delivery receipts and MO messages, handed to the
//! [`EventSink`]. The command status to answer is returned only after the sink has
//! stored the event (or failed to: then `ESME_RX_T_APPN`, so the SMSC retries).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;

use super::pdu::{ShortMessage, status, tag};
use super::reassembly::{Added, Reassembler, mo_part};
use super::receipt;
use crate::{DeliveryReport, EventSink, InboundSms};

/// How long the parts of a concatenated MO are held waiting for the rest.
pub const REASSEMBLY_TIMEOUT: Duration = Duration::from_secs(300);

pub struct Inbound {
    connection: String,
    sink: Arc<dyn EventSink>,
    reassembler: Mutex<Reassembler>,
}

/// Whether a deliver_sm is a receipt: message type bits of esm_class (0x3C) say SMSC
/// delivery receipt (0x04) or intermediate notification (0x20), or it carries a
/// `receipted_message_id`.
pub fn is_receipt(sm: &ShortMessage) -> bool {
    matches!(sm.esm_class & 0x3C, 0x04 | 0x20) || sm.tlv(tag::RECEIPTED_MESSAGE_ID).is_some()
}

impl Inbound {
    pub fn new(
        connection: String,
        sink: Arc<dyn EventSink>,
        reassembly_timeout: Duration,
    ) -> Inbound {
        Inbound {
            connection,
            sink,
            reassembler: Mutex::new(Reassembler::new(reassembly_timeout)),
        }
    }

    /// Handles one deliver_sm; returns the status for its deliver_sm_resp.
    pub async fn handle(&self, sm: &ShortMessage) -> u32 {
        if is_receipt(sm) {
            self.receipt(sm).await
        } else {
            self.mo(sm).await
        }
    }

    async fn receipt(&self, sm: &ShortMessage) -> u32 {
        let Some(r) = receipt::from_deliver_sm(sm) else {
            // Resending will not make it readable: take it and log it.
            tracing::warn!(
                connection = %self.connection,
                text = %String::from_utf8_lossy(&sm.short_message),
                "delivery receipt without a message id ignored"
            );
            return status::ESME_ROK;
        };
        let report = DeliveryReport {
            connection: self.connection.clone(),
            provider_id: r.id,
            state: r.state,
            error: r.error,
            submitted_at: r.submitted_at,
            done_at: r.done_at,
        };
        match self.sink.delivery_report(report).await {
            Ok(()) => status::ESME_ROK,
            Err(e) => {
                tracing::warn!(connection = %self.connection, error = %e, "delivery report not stored");
                status::ESME_RX_T_APPN
            }
        }
    }

    /// Hands the concatenated messages whose parts did not all arrive in time to the
    /// sink as they are (missing parts marked `[…]`). Called on every MO and
    /// periodically by the connector.
    pub async fn flush_expired(&self) {
        let expired = self
            .reassembler
            .lock()
            .expect("reassembler lock")
            .take_expired(Instant::now());
        for a in expired {
            tracing::warn!(connection = %self.connection, from = %a.from, "incomplete concatenated SMS timed out");
            let msg = self.inbound(a.from, a.to, a.text);
            if let Err(e) = self.sink.inbound_sms(msg).await {
                tracing::error!(connection = %self.connection, error = %e, "incomplete inbound SMS lost");
            }
        }
    }

    async fn mo(&self, sm: &ShortMessage) -> u32 {
        self.flush_expired().await;
        let added = self
            .reassembler
            .lock()
            .expect("reassembler lock")
            .add(mo_part(sm));
        let Added::Complete(a, key) = added else {
            // Held in memory until the set is whole.
            return status::ESME_ROK;
        };
        let msg = self.inbound(a.from, a.to, a.text);
        match self.sink.inbound_sms(msg).await {
            Ok(()) => {
                if let Some(k) = key {
                    self.reassembler.lock().expect("reassembler lock").done(&k);
                }
                status::ESME_ROK
            }
            Err(e) => {
                tracing::warn!(connection = %self.connection, error = %e, "inbound SMS not stored");
                status::ESME_RX_T_APPN
            }
        }
    }

    fn inbound(&self, from: String, to: String, text: String) -> InboundSms {
        InboundSms {
            connection: self.connection.clone(),
            from,
            to,
            text,
            received_at: Utc::now(),
        }
    }
}
