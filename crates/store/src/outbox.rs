//! The outbox: sends, their messages, dispatch claims, delivery receipts and callbacks.
//!
//! A send is accepted in ONE transaction that writes the send row and every message row
//! (recipients expanded in the database, set-based: a group of a million contacts is never
//! held in memory). Dispatchers claim due messages with a lease; a message whose lease ran
//! out (its dispatcher died) is claimed again. Every status change goes through
//! `MessageStatus::can_become` semantics, enforced in SQL by guarding on the current status.
//! Receipts are matched by provider id; one that arrives before its message is known as
//! sent is kept as pending and applied when the message's ids are recorded. Status changes
//! of sends with a callback URL enqueue a callback in the same transaction.

use std::collections::BTreeMap;

use bote_domain::{
    AccountId, CallbackId, ChannelKind, ContactId, GroupCode, MessageId, MessageStatus,
    PhoneNumber, SendId, UnknownValue,
};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Page, StoreResult};

/// Whether a send's messages may go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SendState {
    Active,
    /// Claims skip its messages until resumed.
    Paused,
    /// Its queued messages became `cancelled`; nothing more goes out.
    Cancelled,
}

impl SendState {
    pub const ALL: [SendState; 3] = [SendState::Active, SendState::Paused, SendState::Cancelled];

    pub fn as_str(&self) -> &'static str {
        match self {
            SendState::Active => "active",
            SendState::Paused => "paused",
            SendState::Cancelled => "cancelled",
        }
    }
}

/// A send as the server hands it to the store. `content` is the server's JSON description
/// of what to send (text, media, sender, options); the store keeps it and hands it back
/// with claimed messages without looking inside.
#[derive(Debug, Clone)]
pub struct NewSend {
    pub account: AccountId,
    pub channel: ChannelKind,
    /// `api`, `websms`, `web`, `keyword`…
    pub source: String,
    pub content: serde_json::Value,
    /// Messages are due from this time (now when `None`).
    pub schedule_at: Option<DateTime<Utc>>,
    /// Unique per account when given: accepting the same id again returns the first send.
    pub client_message_id: Option<String>,
    /// Where delivery reports of this send are POSTed; `None`: no callbacks.
    pub callback_url: Option<String>,
    /// Validated and counted but nothing goes out: messages are written as `skipped` with
    /// reason `test` (websms `test: true`).
    pub test: bool,
    /// Its queued messages come due one `spacing` apart from the due time, in recipient
    /// order: the slots of the rate-limited connection they go out through (a Cloud API
    /// number's messages a second). A large send is then paced as it is written, instead of
    /// being rewritten behind its connection's queue by the dispatcher's first claim of it.
    /// `None`: all due at once.
    pub spacing: Option<std::time::Duration>,
}

impl NewSend {
    /// [`NewSend::spacing`] in whole microseconds, as the stores keep times (0: none).
    pub fn spacing_micros(&self) -> i64 {
        self.spacing.map_or(0, crate::micros)
    }
}

/// Why a recipient got no message. The API reports these in `skipped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    InvalidNumber,
    Duplicate,
    /// A contact without a number for the send's channel.
    NoNumber,
    /// WhatsApp to a number without an active opt-in (R6, R17).
    NoOptIn,
    /// A test account sends only to its verified number (R5).
    OutsideTestNumber,
    /// websms `test: true`: counted, not sent.
    Test,
}

impl SkipReason {
    pub const ALL: [SkipReason; 6] = [
        SkipReason::InvalidNumber,
        SkipReason::Duplicate,
        SkipReason::NoNumber,
        SkipReason::NoOptIn,
        SkipReason::OutsideTestNumber,
        SkipReason::Test,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            SkipReason::InvalidNumber => "invalid_number",
            SkipReason::Duplicate => "duplicate",
            SkipReason::NoNumber => "no_number",
            SkipReason::NoOptIn => "no_opt_in",
            SkipReason::OutsideTestNumber => "outside_test_number",
            SkipReason::Test => "test",
        }
    }
}

impl std::str::FromStr for SendState {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownValue {
                kind: "send state",
                value: s.into(),
                allowed: &["active", "paused", "cancelled"],
            })
    }
}

impl std::str::FromStr for SkipReason {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownValue {
                kind: "skip reason",
                value: s.into(),
                allowed: &[
                    "invalid_number",
                    "duplicate",
                    "no_number",
                    "no_opt_in",
                    "outside_test_number",
                    "test",
                ],
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The number as given, or `contact <id>` for a contact without a number.
    pub recipient: String,
    pub reason: SkipReason,
}

/// Who a send goes to. Explicit numbers were parsed (and de-duplicated) by the server,
/// which also lists what it refused in `skipped`; contacts and groups are expanded by the
/// store to the contacts' number for the channel. A number appears once per send: later
/// occurrences (also across numbers, contacts and groups) are dropped silently except
/// where the server reported them as duplicates.
#[derive(Debug, Clone, Default)]
pub struct Recipients {
    pub numbers: Vec<PhoneNumber>,
    pub contacts: Vec<ContactId>,
    pub groups: Vec<GroupCode>,
    /// Recipients the server already refused; written as `skipped` messages.
    pub skipped: Vec<Skipped>,
    /// Test accounts (R5): every other number is skipped `outside_test_number`.
    pub only_to: Option<PhoneNumber>,
    /// A keyword reply to the recipient's own message just received (e.g. the confirmation
    /// of STOP, R11): WhatsApp needs no active opt-in for it. Every other WhatsApp
    /// recipient without one is skipped `no_opt_in` (R6, R17).
    pub replying: bool,
    /// "One message per person" (R19) on a WhatsApp send: a recipient without an active
    /// opt-in (or a contact without a WhatsApp number) gets the message by SMS instead, to
    /// the number or the contact's SMS number; never both. Such messages have channel `sms`.
    pub else_sms: bool,
    /// Previews only: count the WhatsApp messages that would go out from this Cloud API
    /// number to recipients outside their 24-hour customer-service window.
    pub service_window: Option<ServiceWindow>,
}

/// The 24-hour customer-service window of a Cloud API business number: a recipient is in
/// it when it sent that number a message at or after `since`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceWindow {
    /// The business number as stored (`+` and digits).
    pub business_number: String,
    pub since: DateTime<Utc>,
}

/// Most skipped recipients listed in an [`Acceptance`]; the rest are counted.
pub const MAX_LISTED_SKIPS: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Acceptance {
    pub send: SendRecord,
    /// Messages queued to go out.
    pub accepted: u64,
    /// Skipped recipients, at most [`MAX_LISTED_SKIPS`].
    pub skipped: Vec<Skipped>,
    pub skipped_by_reason: BTreeMap<SkipReason, u64>,
    /// True when `client_message_id` named an earlier send, which is returned unchanged.
    pub replayed: bool,
}

/// What a send would do, from [`OutboxStore::preview_send`]: nothing of it is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// As [`OutboxStore::accept_send`] would answer; the send's id is not a real one.
    pub acceptance: Acceptance,
    /// Recipients taken from contacts that have both an SMS and a WhatsApp number: they
    /// would get the same content twice if it also went out on the other channel (R19).
    pub on_both_channels: u64,
    /// With [`Recipients::service_window`]: queued WhatsApp messages to recipients outside
    /// the window (they need a template).
    pub outside_service_window: u64,
    /// With [`Recipients::else_sms`]: queued messages that go by SMS instead of WhatsApp.
    pub by_sms_instead: u64,
}

impl Preview {
    /// A preview of what was accepted (or replayed): nothing more to count.
    pub fn of(acceptance: Acceptance) -> Self {
        Preview {
            acceptance,
            on_both_channels: 0,
            outside_service_window: 0,
            by_sms_instead: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SendRecord {
    pub id: SendId,
    pub channel: ChannelKind,
    pub state: SendState,
    pub source: String,
    pub content: serde_json::Value,
    pub schedule_at: Option<DateTime<Utc>>,
    pub client_message_id: Option<String>,
    pub callback_url: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Messages by status (statuses with no message are absent).
    pub counts: BTreeMap<MessageStatus, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageRecord {
    pub id: MessageId,
    pub send_id: SendId,
    pub channel: ChannelKind,
    /// E.164 for every message that can go out; as given for one skipped as an invalid
    /// number; `None` for a contact skipped for having no number.
    pub recipient: Option<String>,
    pub contact_id: Option<ContactId>,
    pub status: MessageStatus,
    /// Why it is skipped, failed or rejected, or what the provider said.
    pub reason: Option<String>,
    /// Provider error code (SMPP command status, receipt `err:`, WhatsApp error code).
    pub error_code: Option<String>,
    pub segments: Option<u32>,
    pub attempts: u32,
    pub provider_ids: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub sending_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    /// When it reached its final status.
    pub done_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default)]
pub struct MessageQuery {
    pub send: Option<SendId>,
    pub recipient: Option<PhoneNumber>,
    pub status: Option<MessageStatus>,
    pub after: Option<MessageId>,
    pub limit: u32,
}

/// Names one claim of one message. Every claim of a message gets a new token (the store
/// keeps the current one with the message), so an outcome can say which claim it is from:
/// a dispatcher that was slow past its lease, while another one claimed the message again,
/// holds a stale token and its outcome is ignored. Only meaningful with its message's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ClaimToken(pub i64);

/// A message claimed for dispatch; its status is `sending` and its lease runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedMessage {
    pub id: MessageId,
    /// This claim; its outcome goes to [`OutboxStore::record_outcomes`] with it.
    pub claim: ClaimToken,
    pub send_id: SendId,
    pub account: AccountId,
    pub recipient: PhoneNumber,
    pub contact_id: Option<ContactId>,
    /// Earlier attempts that ended in `Retry`.
    pub attempts: u32,
    pub content: serde_json::Value,
}

/// What a dispatcher learnt about a claimed message. Applied only while the message is
/// still `sending` under the same claim (a cancelled message, or one claimed again after its
/// lease ran out, is left alone).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The provider took it: status `sent`; ids recorded for receipt matching (one per part).
    Sent {
        connection: String,
        provider_ids: Vec<String>,
        segments: u32,
    },
    /// Back to `queued`, due at `at`; counts an attempt.
    Retry { at: DateTime<Utc>, reason: String },
    /// Back to `queued`, due at `until`, without counting an attempt (sending window).
    Defer { until: DateTime<Utc> },
    /// A final status other than the receipt ones: `rejected`, `failed`.
    Final {
        status: MessageStatus,
        reason: String,
        code: Option<String>,
    },
}

/// A delivery report, mapped to bote's status by the server. For a message sent in several
/// parts, a failure status of any part applies at once, and `delivered` applies when every
/// part has reported `delivered`. A receipt never moves a message backwards (guarded by
/// `MessageStatus::can_become`); `read` may follow `delivered`. When a message of a send
/// with a callback URL reaches `delivered`, `undelivered`, `expired`, `rejected` or `failed`
/// (by receipt or by [`Outcome::Final`]), a delivery-report callback is enqueued in the
/// same transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptUpdate {
    pub connection: String,
    /// The id as received and its alternative forms (hex/decimal); the first that matches wins.
    pub provider_ids: Vec<String>,
    /// `delivered`, `undelivered`, `expired`, `rejected`, `failed`, `read`; or `sent` for an
    /// intermediate state (ACCEPTD, ENROUTE) which changes nothing but is not pending.
    pub status: MessageStatus,
    pub error_code: Option<String>,
    pub at: DateTime<Utc>,
    /// Only a message of this account may take the receipt: a WhatsApp webhook speaks for
    /// the accounts of the numbers it names, never for another's message that happens to
    /// have the id. `None` (an SMPP bind's receipts): any message of the connection.
    pub account: Option<AccountId>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReceiptResult {
    /// Receipts that matched a message (whether or not its status changed).
    pub matched: u64,
    /// Receipts kept as pending because no message has the id yet.
    pub pending: u64,
    /// Receipts whose id belongs to a message of another account than theirs: dropped.
    pub foreign: u64,
}

/// Kinds of callbacks; the server formats the body from the message or inbound row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackKind {
    DeliveryReport,
    /// An inbound message forwarded to the account's inbound callback URL.
    Inbound,
}

impl CallbackKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            CallbackKind::DeliveryReport => "delivery_report",
            CallbackKind::Inbound => "inbound",
        }
    }
}

/// What a callback reports.
#[derive(Debug, Clone, PartialEq)]
pub enum CallbackSubject {
    /// A message's final status ([`CallbackKind::DeliveryReport`]).
    Message {
        message: MessageRecord,
        send_client_message_id: Option<String>,
    },
    /// A message someone sent to the account ([`CallbackKind::Inbound`]).
    Inbound(crate::InboundRecord),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CallbackDue {
    pub id: CallbackId,
    pub account: AccountId,
    pub url: String,
    pub kind: CallbackKind,
    pub subject: CallbackSubject,
    pub attempts: u32,
}

impl CallbackDue {
    /// The message a delivery report is about.
    pub fn message(&self) -> Option<&MessageRecord> {
        match &self.subject {
            CallbackSubject::Message { message, .. } => Some(message),
            CallbackSubject::Inbound(_) => None,
        }
    }

    /// The `client_message_id` of the delivery report's send.
    pub fn send_client_message_id(&self) -> Option<&str> {
        match &self.subject {
            CallbackSubject::Message {
                send_client_message_id,
                ..
            } => send_client_message_id.as_deref(),
            CallbackSubject::Inbound(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CallbackOutcome {
    Delivered,
    Retry { at: DateTime<Utc>, error: String },
    GaveUp { error: String },
}

#[async_trait::async_trait]
pub trait OutboxStore {
    /// Accepts a send in one transaction (see the module docs). Unknown group codes or
    /// contact ids of the account fail with `Unknown { what: "group" | "contact" }` and
    /// write nothing. With a `client_message_id` that the account used before, returns
    /// that send with `replayed: true` and writes nothing.
    async fn accept_send(&self, send: NewSend, recipients: Recipients) -> StoreResult<Acceptance>;
    /// Everything `accept_send` would do, counted the same way, then rolled back.
    /// `client_message_id` is ignored: a preview never replays an earlier send.
    async fn preview_send(&self, send: NewSend, recipients: Recipients) -> StoreResult<Preview>;
    async fn send_record(&self, account: AccountId, id: SendId) -> StoreResult<SendRecord>;
    /// Newest first.
    async fn list_sends(
        &self,
        account: AccountId,
        before: Option<SendId>,
        limit: u32,
    ) -> StoreResult<Page<SendRecord>>;
    /// Pauses, resumes (`Active`) or cancels a send. Cancelling turns its `queued` messages
    /// `cancelled`; a cancelled send cannot be resumed (`Conflict { what: "send state" }`).
    async fn set_send_state(
        &self,
        account: AccountId,
        id: SendId,
        state: SendState,
    ) -> StoreResult<SendRecord>;
    async fn message(&self, account: AccountId, id: MessageId) -> StoreResult<MessageRecord>;
    /// Ordered by id.
    async fn list_messages(
        &self,
        account: AccountId,
        query: MessageQuery,
    ) -> StoreResult<Page<MessageRecord>>;
    async fn contacts_by_ids(
        &self,
        account: AccountId,
        ids: &[ContactId],
    ) -> StoreResult<Vec<crate::Contact>>;

    /// Claims up to `limit` due messages of `channel` (oldest due first) whose send is
    /// active: `queued` ones with `next_attempt_at <= now`, and `sending` ones whose lease
    /// ended before `now`. They become `sending` with a lease until `lease_until`, each with
    /// a new [`ClaimToken`] (an earlier claim's token no longer applies).
    async fn claim_messages(
        &self,
        channel: ChannelKind,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedMessage>>;
    /// Paces the rest of a send: its `queued` messages of `channel` due at `now` become due
    /// one after another, the k-th (by id, from 0) at `from + k × interval`. Claimed
    /// messages, messages already due later (deferred, retrying, paused) and other sends'
    /// are left alone. Returns how many it paced. The dispatcher calls it when a send's
    /// messages overflow their connection's rate, so that claims need not walk through all
    /// of them to reach other sends' messages.
    async fn pace_send(
        &self,
        send: SendId,
        channel: ChannelKind,
        now: DateTime<Utc>,
        from: DateTime<Utc>,
        interval: std::time::Duration,
    ) -> StoreResult<u64>;
    /// Applies dispatch outcomes in one transaction; returns how many applied. Each applies
    /// only while its message is `sending` under the claim it names; one from a stale claim
    /// (the message was claimed again since) or for a message no longer sending changes
    /// nothing and is not counted. `Sent` records the provider ids and then applies any
    /// pending receipts for them.
    async fn record_outcomes(
        &self,
        outcomes: &[(MessageId, ClaimToken, Outcome)],
    ) -> StoreResult<u64>;
    /// Applies receipts in one transaction (see [`ReceiptUpdate`]).
    async fn apply_receipts(&self, receipts: &[ReceiptUpdate]) -> StoreResult<ReceiptResult>;
    /// Messages not yet final (`queued`, `sending`, `sent`), for health and tests.
    async fn unfinished_messages(&self, account: Option<AccountId>) -> StoreResult<u64>;

    /// Claims due callbacks (like messages: lease, oldest first).
    async fn claim_callbacks(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<CallbackDue>>;
    async fn record_callbacks(&self, outcomes: &[(CallbackId, CallbackOutcome)])
    -> StoreResult<()>;
}
