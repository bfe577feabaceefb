//! Business numbers and the messages people send to them.
//!
//! A business number (an SMS number or short code, a WhatsApp number) belongs to one
//! account; an inbound message is routed to the account that owns the number it was sent
//! to. Inbound messages are kept whether or not a number matched (`account: None`), and
//! recording the same provider message twice keeps one row: providers deliver again.

use bote_domain::{AccountId, ChannelKind};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Page, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BusinessNumber {
    pub id: i64,
    pub account: AccountId,
    pub channel: ChannelKind,
    /// E.164 (`+43…`) for phone numbers; digits for SMS short codes.
    pub number: String,
    /// The provider's handle of the number, e.g. the WhatsApp Cloud API's phone number id.
    pub provider_ref: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A message as a channel received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInbound {
    pub channel: ChannelKind,
    /// The connection that received it (`sandbox`, an SMPP connection's name, …).
    pub connection: String,
    /// The sender, E.164 where it could be read as a number, else as received.
    pub from: String,
    /// The business number it was sent to, normalised like [`BusinessNumber::number`].
    pub to: String,
    /// `text`, or the WhatsApp message type (`image`, `button`, …).
    pub kind: String,
    pub text: Option<String>,
    /// The provider's id of the message; repeats of an id are recorded once.
    pub provider_id: Option<String>,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboundRecord {
    pub id: i64,
    /// The owner of the business number it was sent to; `None` when no number matched.
    pub account: Option<AccountId>,
    pub channel: ChannelKind,
    pub connection: String,
    pub from: String,
    pub to: String,
    pub kind: String,
    pub text: Option<String>,
    pub provider_id: Option<String>,
    pub received_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct InboundQuery {
    pub channel: Option<ChannelKind>,
    /// Messages from this number (exact, E.164).
    pub from: Option<String>,
    /// Newest first; messages with ids below this one.
    pub before: Option<i64>,
    pub limit: u32,
}

#[async_trait::async_trait]
pub trait InboundStore: Send + Sync {
    /// `Conflict { what: "business number" }` when any account already has it.
    async fn add_business_number(
        &self,
        account: AccountId,
        channel: ChannelKind,
        number: &str,
        provider_ref: Option<&str>,
    ) -> StoreResult<BusinessNumber>;
    /// The account's numbers, or every account's with `None` (account managers).
    async fn business_numbers(
        &self,
        account: Option<AccountId>,
    ) -> StoreResult<Vec<BusinessNumber>>;
    async fn remove_business_number(&self, account: AccountId, id: i64) -> StoreResult<()>;
    /// Stores the message, routed by its `to`; returns it and whether it is new (false:
    /// the provider had delivered this id before, and the first record is returned).
    async fn record_inbound(&self, message: NewInbound) -> StoreResult<(InboundRecord, bool)>;
    /// The account's inbound messages, newest first.
    async fn list_inbound(
        &self,
        account: AccountId,
        query: InboundQuery,
    ) -> StoreResult<Page<InboundRecord>>;
}
