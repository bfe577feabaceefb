//! Business numbers and the messages people send to them.
//!
//! A business number (an SMS number or short code, a WhatsApp number) belongs to one
//! account; an inbound message is routed to the account that owns the number it was sent
//! to. Inbound messages are kept whether or not a number matched (`account: None`), and
//! recording the same provider message twice keeps one row: providers deliver again.

use std::time::Duration;

use bote_domain::{AccountId, ChannelKind};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Page, Secret, StoreResult};

/// Messages per second a Cloud API number sends unless configured otherwise (Meta's default).
pub const DEFAULT_MESSAGES_PER_SECOND: u32 = 80;
/// The range Meta allows a business number's throughput to be set in.
pub const MESSAGES_PER_SECOND: std::ops::RangeInclusive<u32> = 1..=1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BusinessNumber {
    pub id: i64,
    pub account: AccountId,
    pub channel: ChannelKind,
    /// E.164 (`+43…`) for phone numbers; digits for SMS short codes.
    pub number: String,
    /// The provider's handle of the number, e.g. the WhatsApp Cloud API's phone number id.
    pub provider_ref: Option<String>,
    /// WhatsApp: whether it sends through the Cloud API (it has credentials) rather than the
    /// sandbox. Never false for a number that has credentials; the secrets stay in the store.
    pub cloud_api: bool,
    /// The number's send rate (Cloud API numbers; 80 unless configured).
    pub messages_per_second: u32,
    pub created_at: DateTime<Utc>,
}

/// A business number to add. Plain numbers (SMS, sandbox WhatsApp) have no `cloud`; a Cloud
/// API number has its credentials and `provider_ref` = its phone number id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBusinessNumber {
    pub channel: ChannelKind,
    /// Normalised like [`BusinessNumber::number`].
    pub number: String,
    pub provider_ref: Option<String>,
    pub cloud: Option<CloudCredentials>,
    /// Within [`MESSAGES_PER_SECOND`].
    pub messages_per_second: u32,
}

impl NewBusinessNumber {
    /// A number without Cloud API credentials.
    pub fn plain(channel: ChannelKind, number: impl Into<String>) -> Self {
        Self {
            channel,
            number: number.into(),
            provider_ref: None,
            cloud: None,
            messages_per_second: DEFAULT_MESSAGES_PER_SECOND,
        }
    }

    pub fn with_provider_ref(mut self, provider_ref: impl Into<String>) -> Self {
        self.provider_ref = Some(provider_ref.into());
        self
    }
}

/// What a WhatsApp number needs to use the Cloud API: the bearer token it sends with, the
/// app secret that signs its webhooks, and the token of the webhook verification handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudCredentials {
    pub access_token: Secret,
    pub app_secret: Secret,
    pub verify_token: Secret,
}

/// A WhatsApp business number with its Cloud API credentials when it has them; what the
/// dispatcher routes by and the webhook verifies with. Not serialisable: it holds secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatsappNumber {
    pub number: BusinessNumber,
    pub cloud: Option<CloudCredentials>,
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
    /// `Conflict { what: "business number" }` when any account already has it,
    /// `Conflict { what: "phone number id" }` when another WhatsApp number has its
    /// `provider_ref`; `Unknown { what: "phone number id" }` for Cloud credentials without
    /// a `provider_ref`.
    async fn add_business_number(
        &self,
        account: AccountId,
        number: NewBusinessNumber,
    ) -> StoreResult<BusinessNumber>;
    /// The WhatsApp number with this Cloud API phone number id, of whichever account owns
    /// it: the webhook knows only the id and must check the signature with its app secret.
    async fn whatsapp_number_by_phone_number_id(
        &self,
        phone_number_id: &str,
    ) -> StoreResult<Option<WhatsappNumber>>;
    /// The account's WhatsApp numbers, oldest first, with their credentials (for dispatch).
    async fn whatsapp_numbers(&self, account: AccountId) -> StoreResult<Vec<WhatsappNumber>>;
    /// The account's numbers, or every account's with `None` (account managers).
    async fn business_numbers(
        &self,
        account: Option<AccountId>,
    ) -> StoreResult<Vec<BusinessNumber>>;
    async fn remove_business_number(&self, account: AccountId, id: i64) -> StoreResult<()>;
    /// Stores the message, routed by its `to`; returns it and whether it is new (false:
    /// the provider had delivered this id before, and the first record is returned).
    /// It is not marked for processing: the caller runs it through keywords itself, or it
    /// needs none (see [`record_inbound_batch`](Self::record_inbound_batch)).
    async fn record_inbound(&self, message: NewInbound) -> StoreResult<(InboundRecord, bool)>;
    /// Stores `messages` in ONE transaction (a group commit), in order, each as
    /// [`record_inbound`](Self::record_inbound) does (a repeat, within the batch too,
    /// returns the first record and `false`). Each new message routed to an account is
    /// marked unprocessed and leased to the caller for `lease`: the caller processes it and
    /// calls [`mark_inbound_processed`](Self::mark_inbound_processed); if it dies first,
    /// [`claim_unprocessed_inbound`](Self::claim_unprocessed_inbound) hands it to a worker
    /// once the lease has run out. Storing and the mark are one write, so no crash can
    /// keep a message whose keywords never run.
    async fn record_inbound_batch(
        &self,
        messages: Vec<NewInbound>,
        lease: Duration,
    ) -> StoreResult<Vec<(InboundRecord, bool)>>;
    /// Up to `limit` unprocessed messages whose lease has run out, oldest first, leased to
    /// the caller for `lease`. Each is handed to one caller at a time, also across
    /// processes sharing a database (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
    async fn claim_unprocessed_inbound(
        &self,
        limit: u32,
        lease: Duration,
    ) -> StoreResult<Vec<InboundRecord>>;
    /// Ends the processing of these messages: no claim returns them again.
    async fn mark_inbound_processed(&self, ids: &[i64]) -> StoreResult<()>;
    /// Messages stored but not yet processed, of every account: the inbound backlog.
    async fn unprocessed_inbound(&self) -> StoreResult<u64>;
    /// The account's inbound messages, newest first.
    async fn list_inbound(
        &self,
        account: AccountId,
        query: InboundQuery,
    ) -> StoreResult<Page<InboundRecord>>;
    /// Which of `numbers` sent a WhatsApp message to `business_number` at or after `since`:
    /// those inside their 24-hour customer-service window when `since` is 24 hours ago.
    /// One query for the whole set.
    async fn in_service_window(
        &self,
        business_number: &str,
        numbers: &[String],
        since: DateTime<Utc>,
    ) -> StoreResult<std::collections::HashSet<String>>;
}
