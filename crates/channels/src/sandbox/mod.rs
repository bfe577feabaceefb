//! The built-in sandbox SMS channel: used for every SMS route that has no real connection,
//! so bote works end to end on a fresh machine. It accepts every message, keeps the last
//! messages each number received (the "sandbox phone"), and reports delivery after a
//! configurable delay, failing a configurable share.

mod inbox;
mod reports;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;

pub use inbox::{Inbox, InboxEntry};
use reports::ReportQueue;

use crate::{DeliveryReport, EventSink, OutboundSms, ReceiptState, SendOutcome, SmsChannel};

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

/// Name under which the sandbox appears in routes, logs and provider ids.
pub const SANDBOX_NAME: &str = "sandbox";

pub struct SandboxSms {
    config: SandboxConfig,
    /// Provider ids start at the start time in microseconds, which grows faster than any
    /// sandbox sends, so ids never repeat across restarts.
    next_id: AtomicU64,
    sent: AtomicU64,
    inbox: Inbox,
    reports: ReportQueue,
}

impl SandboxSms {
    /// Starts the sandbox; delivery reports go to `sink`. Must run inside a tokio runtime.
    pub fn start(config: SandboxConfig, sink: Arc<dyn EventSink>) -> Arc<SandboxSms> {
        let reports = ReportQueue::start(sink);
        let inbox = Inbox::new(config.inbox_per_number);
        let seed = Utc::now().timestamp_micros().max(0) as u64;
        Arc::new(SandboxSms {
            config,
            next_id: AtomicU64::new(seed),
            sent: AtomicU64::new(0),
            inbox,
            reports,
        })
    }

    /// What a number received, newest last.
    pub fn inbox(&self) -> &Inbox {
        &self.inbox
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

#[async_trait::async_trait]
impl SmsChannel for SandboxSms {
    fn name(&self) -> &str {
        SANDBOX_NAME
    }

    async fn send(&self, sms: &OutboundSms) -> SendOutcome {
        let seq = self.sent.fetch_add(1, Ordering::Relaxed);
        let provider_id = format!("sbx-{:x}", self.next_id.fetch_add(1, Ordering::Relaxed));
        self.inbox.record(sms, &provider_id);
        if sms.want_receipt {
            let state = if self.fails(seq) {
                ReceiptState::Undeliverable
            } else {
                ReceiptState::Delivered
            };
            let now = Utc::now();
            let report = DeliveryReport {
                connection: SANDBOX_NAME.to_owned(),
                provider_id: provider_id.clone(),
                state,
                error: (state == ReceiptState::Undeliverable).then(|| "sandbox".to_owned()),
                submitted_at: Some(now),
                done_at: Some(now + self.config.delivery_delay),
            };
            self.reports.push(report, self.config.delivery_delay);
        }
        SendOutcome::Accepted {
            provider_ids: vec![provider_id],
        }
    }
}

#[cfg(test)]
mod tests;
