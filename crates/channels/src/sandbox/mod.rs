//! The built-in sandbox channels, SMS and WhatsApp: used for every route that has no real
//! connection, so bote works end to end on a fresh machine. They accept every message, keep
//! the last messages each number received (the "sandbox phone"), and report delivery after
//! a configurable delay, failing a configurable share.

mod inbox;
mod reports;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;

pub use inbox::{Inbox, InboxEntry};
use reports::ReportQueue;

use crate::{
    DeliveryReport, EventSink, OutboundSms, OutboundWhatsapp, ReceiptState, SendOutcome,
    SmsChannel, WhatsappChannel,
};

#[derive(Debug, Clone, PartialEq)]
pub struct SandboxConfig {
    /// Time from acceptance to the delivery report.
    pub delivery_delay: Duration,
    /// Share of messages reported undeliverable, 0.0 to 1.0.
    pub failure_share: f64,
    /// Messages kept per number in the inbox.
    pub inbox_per_number: usize,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            delivery_delay: Duration::from_millis(500),
            failure_share: 0.0,
            inbox_per_number: 50,
        }
    }
}

/// Name under which the sandbox SMS connection appears in routes, logs and provider ids.
pub const SANDBOX_NAME: &str = "sandbox";
/// Name of the sandbox WhatsApp connection.
pub const SANDBOX_WHATSAPP_NAME: &str = "sandbox-whatsapp";

/// Both sandbox channels, sharing one report queue.
pub struct Sandbox {
    pub sms: Arc<SandboxSms>,
    pub whatsapp: Arc<SandboxWhatsapp>,
}

impl Sandbox {
    /// Starts the sandbox; delivery reports go to `sink`. Must run inside a tokio runtime.
    pub fn start(config: SandboxConfig, sink: Arc<dyn EventSink>) -> Sandbox {
        let core = Arc::new(Core {
            reports: ReportQueue::start(sink),
            // Provider ids start at the start time in microseconds, which grows faster
            // than any sandbox sends, so ids never repeat across restarts.
            next_id: AtomicU64::new(Utc::now().timestamp_micros().max(0) as u64),
            sent: AtomicU64::new(0),
            config,
        });
        Sandbox {
            sms: Arc::new(SandboxSms {
                inbox: Inbox::new(core.config.inbox_per_number),
                core: core.clone(),
            }),
            whatsapp: Arc::new(SandboxWhatsapp {
                inbox: Inbox::new(core.config.inbox_per_number),
                core,
            }),
        }
    }
}

struct Core {
    config: SandboxConfig,
    next_id: AtomicU64,
    sent: AtomicU64,
    reports: ReportQueue,
}

impl Core {
    /// Takes one message on `connection`: a fresh provider id, and its delivery report
    /// queued when one is wanted.
    fn accept(&self, connection: &str, id_prefix: &str, want_receipt: bool) -> String {
        let seq = self.sent.fetch_add(1, Ordering::Relaxed);
        let provider_id = format!(
            "{id_prefix}{:x}",
            self.next_id.fetch_add(1, Ordering::Relaxed)
        );
        if want_receipt {
            let state = if self.fails(seq) {
                ReceiptState::Undeliverable
            } else {
                ReceiptState::Delivered
            };
            let now = Utc::now();
            let report = DeliveryReport {
                connection: connection.to_owned(),
                provider_id: provider_id.clone(),
                state,
                error: (state == ReceiptState::Undeliverable).then(|| "sandbox".to_owned()),
                submitted_at: Some(now),
                done_at: Some(now + self.config.delivery_delay),
            };
            self.reports.push(report, self.config.delivery_delay);
        }
        provider_id
    }

    /// Whether the message with this sequence fails: spreads failures evenly over the
    /// stream so that the share holds exactly over any long run.
    fn fails(&self, seq: u64) -> bool {
        let share = self.config.failure_share.clamp(0.0, 1.0);
        let before = (seq as f64 * share).floor();
        let after = ((seq + 1) as f64 * share).floor();
        after > before
    }
}

pub struct SandboxSms {
    core: Arc<Core>,
    inbox: Inbox,
}

impl SandboxSms {
    /// What a number received by SMS, newest last.
    pub fn inbox(&self) -> &Inbox {
        &self.inbox
    }
}

#[async_trait::async_trait]
impl SmsChannel for SandboxSms {
    fn name(&self) -> &str {
        SANDBOX_NAME
    }

    async fn send(&self, sms: &OutboundSms) -> SendOutcome {
        let provider_id = self.core.accept(SANDBOX_NAME, "sbx-", sms.want_receipt);
        self.inbox.record(
            sms.to.as_str(),
            sms.sender.as_ref().map(|s| s.address.clone()),
            sms.body.summary(),
            &provider_id,
        );
        SendOutcome::Accepted {
            provider_ids: vec![provider_id],
        }
    }
}

pub struct SandboxWhatsapp {
    core: Arc<Core>,
    inbox: Inbox,
}

impl SandboxWhatsapp {
    /// What a number received by WhatsApp, newest last.
    pub fn inbox(&self) -> &Inbox {
        &self.inbox
    }
}

#[async_trait::async_trait]
impl WhatsappChannel for SandboxWhatsapp {
    fn name(&self) -> &str {
        SANDBOX_WHATSAPP_NAME
    }

    async fn send(&self, message: &OutboundWhatsapp) -> SendOutcome {
        let provider_id = self.core.accept(SANDBOX_WHATSAPP_NAME, "wamid.sbx-", true);
        self.inbox.record(
            message.to.as_str(),
            message.from.clone(),
            message.content.summary(),
            &provider_id,
        );
        SendOutcome::Accepted {
            provider_ids: vec![provider_id],
        }
    }
}

#[cfg(test)]
mod tests;
