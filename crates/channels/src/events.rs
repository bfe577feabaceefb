use chrono::{DateTime, Utc};

/// The state a delivery receipt reports (SMPP `stat` / `message_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReceiptState {
    Enroute,
    Delivered,
    Expired,
    Deleted,
    Undeliverable,
    Accepted,
    Unknown,
    Rejected,
}

/// A delivery report for a message a channel sent earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The connection that received it.
    pub connection: String,
    /// The provider's message id, as the receipt carries it.
    pub provider_id: String,
    pub state: ReceiptState,
    /// Provider error code (`err:` of the receipt text, or a TLV), when given.
    pub error: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
}

/// An SMS a handset sent to one of the business's numbers (MO), reassembled if it came
/// in parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundSms {
    pub connection: String,
    /// The sender's address as received (digits, usually international).
    pub from: String,
    /// The business number or short code it was sent to.
    pub to: String,
    pub text: String,
    pub received_at: DateTime<Utc>,
}

/// Where channels deliver what providers report. Each method returns once the event is
/// stored durably; an error means "not stored", and the channel must not acknowledge it.
#[async_trait::async_trait]
pub trait EventSink: Send + Sync {
    async fn delivery_report(&self, report: DeliveryReport) -> anyhow::Result<()>;
    async fn inbound_sms(&self, sms: InboundSms) -> anyhow::Result<()>;
}
