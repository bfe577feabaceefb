use std::time::Duration;

use bote_domain::{PhoneNumber, Sender};

/// One SMS to one recipient, ready to go: text rendered, sender validated.
#[derive(Debug, Clone)]
pub struct OutboundSms {
    /// bote's message id, for logs and correlation.
    pub message_id: i64,
    pub to: PhoneNumber,
    pub sender: Option<Sender>,
    pub text: String,
    pub flash: bool,
    /// How long the SMSC should keep trying.
    pub validity: Option<Duration>,
    /// 1 (lowest) to 9, websms' `priority`; channels map it where they can.
    pub priority: Option<u8>,
    /// Ask for a delivery report.
    pub want_receipt: bool,
}

/// What a channel says about one send attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// The provider took the message. SMPP answers one id per part of a concatenated SMS.
    Accepted { provider_ids: Vec<String> },
    /// Try again later (throttled, queue full, connection down, timeout).
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// The provider refused it for good; `code` is the provider's status (e.g. `ESME_RINVDSTADR`).
    Rejected { code: String, reason: String },
    /// It cannot be sent, for a reason of bote's side (e.g. the text cannot be encoded).
    Failed { reason: String },
}

#[async_trait::async_trait]
pub trait SmsChannel: Send + Sync {
    /// The connection's configured name, for logs, routes and metrics.
    fn name(&self) -> &str;
    async fn send(&self, sms: &OutboundSms) -> SendOutcome;
}
