//! The storage interface of bote.
//!
//! Back ends (`bote-store-sqlite`, `bote-store-postgres`) implement [`Store`]; the server holds
//! an `Arc<dyn Store>` and never names a back end past start-up. Every method that touches
//! account data takes the [`AccountId`](bote_domain::AccountId) it is scoped to: there is no
//! way to read or change another account's rows through this interface.
//!
//! [`contract`] holds the test suite both back ends must pass.

mod accounts;
mod addon;
mod consent;
mod contacts;
pub mod contract;
mod error;
pub mod group_batch;
mod groups;
mod import;
mod inbound;
pub mod inbound_batch;
mod mail_log;
mod opt_in_batch;
mod outbox;
mod secret;
mod send_slots;
mod stats;
mod web_sessions;
mod widget;

pub use accounts::{
    Account, AccountStore, ApiToken, NewAccount, NewToken, NewUser, User, UserCredentials,
};
pub use addon::{Activated, Activation, AddonState, AddonStore, WhatsappAddon};
pub use consent::{
    ConsentEvent, ConsentSource, ConsentStore, GroupMove, KeywordReplies, KeywordSettings,
    LedgerEntry, NewLedgerEntry, OptIn, OptInResult, SourceKind,
};
pub use contacts::{Contact, ContactDraft, ContactQuery, ContactSearch, ContactStore, Page};
pub use error::{StoreError, StoreResult};
pub use groups::{Group, GroupDraft, GroupStore, MembershipChange};
pub use import::{BOTH_NUMBERS, ImportOutcome, ImportRow, RejectedRow};
pub use inbound::{
    BusinessNumber, CloudCredentials, DEFAULT_MESSAGES_PER_SECOND, InboundQuery, InboundRecord,
    InboundStore, MESSAGES_PER_SECOND, NewBusinessNumber, NewInbound, WhatsappNumber,
};
pub use mail_log::{MailKind, MailLogStore};
pub use opt_in_batch::{OptInBatch, Revoked, revoked_in_order};
pub use outbox::{
    Acceptance, CallbackDue, CallbackKind, CallbackOutcome, CallbackSubject, ClaimToken,
    ClaimedMessage, MAX_LISTED_SKIPS, MessageQuery, MessageRecord, NewSend, OutboxStore, Outcome,
    Preview, ReceiptResult, ReceiptUpdate, Recipients, SendRecord, SendState, ServiceWindow,
    SkipReason, Skipped,
};
pub use secret::Secret;
pub use send_slots::{SendSlotStore, block_micros, micros, wait_from_micros};

pub use stats::{StatsInterval, StatsQuery, StatsRow, StatsSpan, StatsStore};
pub use web_sessions::{NewWebSession, WebSession, WebSessionStore};
pub use widget::{Widget, WidgetLook, WidgetStore};

/// Everything bote keeps. One object implements all parts so a transaction can span them.
#[async_trait::async_trait]
pub trait Store:
    AccountStore
    + ConsentStore
    + AddonStore
    + ContactStore
    + GroupStore
    + InboundStore
    + OutboxStore
    + StatsStore
    + WebSessionStore
    + WidgetStore
    + MailLogStore
    + SendSlotStore
    + Send
    + Sync
    + 'static
{
    /// `"sqlite"` or `"postgres"`, for logs and the health check.
    fn backend(&self) -> &'static str;

    /// Applies pending migrations; safe to run at every start and from several processes.
    async fn migrate(&self) -> StoreResult<()>;

    /// Checks that the database answers.
    async fn ping(&self) -> StoreResult<()>;

    /// This store for work whose effects are replayed from a durable mark when a crash of
    /// the database loses them, so its commits need not wait for the disk: inbound
    /// processing (the message's "unprocessed" mark is written durably when it is stored
    /// and cleared only after its effects, later in the database's log, so whatever a crash
    /// takes back, it takes the mark back with it). `None`: the store itself serves.
    fn replayable(&self) -> Option<std::sync::Arc<dyn Store>> {
        None
    }
}
