//! Consent: opt-ins (R6–R14), the append-only consent ledger, and per-account keyword
//! settings.
//!
//! An opt-in is one row per (account, WhatsApp number) while it is active; revoking it
//! deletes the row (it leaves the opt-in list, R11, R13). What happened and why is kept in
//! the ledger, which is never updated or deleted — not when a contact is deleted (R14), not
//! when the opt-in ends — so it is the proof of consent for a number.

use bote_domain::{AccountId, ChannelKind, ContactId, GroupCode, PhoneNumber, UnknownValue};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Page, StoreError, StoreResult};

/// Where a consent event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A recipient's first message (R7); the reference is the inbound message id.
    Inbound,
    /// A recipient's keyword (R10–R12); the reference is the inbound message id.
    Keyword,
    /// The opt-in widget (R8).
    Widget,
    /// The business through the API (a token); the reference names it (`token 7`).
    Api,
    /// The business in the web interface (a user); the reference names it (`user 3`).
    User,
}

impl SourceKind {
    pub const ALL: [SourceKind; 5] = [
        SourceKind::Inbound,
        SourceKind::Keyword,
        SourceKind::Widget,
        SourceKind::Api,
        SourceKind::User,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::Inbound => "inbound",
            SourceKind::Keyword => "keyword",
            SourceKind::Widget => "widget",
            SourceKind::Api => "api",
            SourceKind::User => "user",
        }
    }
}

impl std::str::FromStr for SourceKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownValue {
                kind: "consent source",
                value: s.into(),
                allowed: &["inbound", "keyword", "widget", "api", "user"],
            })
    }
}

/// What a ledger entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentEvent {
    OptIn,
    /// An opt-in refused because the account's cap was reached (R2).
    Refused,
    Revoked,
    GroupJoined,
    GroupLeft,
    /// The opt-in widget sent the number an SMS with the business's WhatsApp number (R8);
    /// the opt-in follows when the person writes to it (R7).
    WidgetRequest,
}

impl ConsentEvent {
    pub const ALL: [ConsentEvent; 6] = [
        ConsentEvent::OptIn,
        ConsentEvent::Refused,
        ConsentEvent::Revoked,
        ConsentEvent::GroupJoined,
        ConsentEvent::GroupLeft,
        ConsentEvent::WidgetRequest,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            ConsentEvent::OptIn => "opt_in",
            ConsentEvent::Refused => "refused",
            ConsentEvent::Revoked => "revoked",
            ConsentEvent::GroupJoined => "group_joined",
            ConsentEvent::GroupLeft => "group_left",
            ConsentEvent::WidgetRequest => "widget_request",
        }
    }
}

impl std::str::FromStr for ConsentEvent {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownValue {
                kind: "consent event",
                value: s.into(),
                allowed: &[
                    "opt_in",
                    "refused",
                    "revoked",
                    "group_joined",
                    "group_left",
                    "widget_request",
                ],
            })
    }
}

/// A ledger entry a batch writes: the number, what happened, and why.
pub type NewLedgerEntry<'a> = (&'a PhoneNumber, ConsentEvent, &'a ConsentSource);

/// Who or what caused a consent change, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentSource {
    pub kind: SourceKind,
    /// The inbound message id, the widget, `token 7`, `user 3`.
    pub reference: Option<String>,
    /// The text that caused it (the recipient's message).
    pub text: Option<String>,
    /// The business number the recipient wrote to, when there is one.
    pub business_number: Option<String>,
}

/// An active opt-in (R9: what the opt-in list shows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptIn {
    pub id: i64,
    pub number: PhoneNumber,
    pub business_number: Option<String>,
    pub source: SourceKind,
    pub given_at: DateTime<Utc>,
}

/// The answer to [`ConsentStore::give_opt_in`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptInResult {
    /// A new opt-in; the contact that has the WhatsApp number now (R9).
    Given { opt_in: OptIn, contact: ContactId },
    /// The number had an active opt-in already; nothing changed.
    AlreadyActive(OptIn),
    /// The account's cap of active opt-ins is reached: nothing given, the refusal is in the
    /// ledger (R2).
    Refused { cap: u64, active: u64 },
}

/// The answer to a group join or leave by keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupMove {
    /// The membership changed (and the ledger has an entry).
    Changed(ContactId),
    /// It was already so: a member joining, a non-member leaving.
    Unchanged,
}

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerEntry {
    pub id: i64,
    pub number: PhoneNumber,
    pub event: ConsentEvent,
    pub source: SourceKind,
    pub reference: Option<String>,
    pub text: Option<String>,
    pub business_number: Option<String>,
    /// The group joined or left.
    pub group: Option<GroupCode>,
    pub at: DateTime<Utc>,
}

/// Reply texts for keywords; `None` sends no reply. `{code}` stands for the group code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeywordReplies {
    pub opted_in: Option<String>,
    pub stopped: Option<String>,
    pub joined: Option<String>,
    pub left: Option<String>,
    pub unknown_code: Option<String>,
    pub not_a_keyword: Option<String>,
}

impl Default for KeywordReplies {
    fn default() -> Self {
        let s = |t: &str| Some(t.to_owned());
        KeywordReplies {
            opted_in: s(
                "Danke! Sie erhalten ab jetzt Nachrichten von uns. Mit STOP melden Sie sich ab.",
            ),
            stopped: s("Sie wurden abgemeldet und erhalten keine Nachrichten mehr von uns."),
            joined: s("Sie sind jetzt in der Gruppe {code}. Mit STOP {code} verlassen Sie sie."),
            left: s("Sie haben die Gruppe {code} verlassen."),
            unknown_code: s(
                "Unbekanntes Kürzel {code}. Senden Sie START <Kürzel> für eine Gruppe oder STOP zum Abmelden.",
            ),
            not_a_keyword: s(
                "Senden Sie START, um Nachrichten zu erhalten, START <Kürzel> für eine Gruppe, oder STOP zum Abmelden.",
            ),
        }
    }
}

/// Per-account keyword settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeywordSettings {
    /// Words that mean START besides START and ANMELDEN (upper case).
    pub start_words: Vec<String>,
    /// Words that mean STOP besides STOP, STOPP and ABMELDEN (upper case).
    pub stop_words: Vec<String>,
    pub replies: KeywordReplies,
    /// Apply keywords to inbound SMS too (off by default).
    pub sms_keywords: bool,
}

#[async_trait::async_trait]
pub trait ConsentStore {
    /// Gives `number` an opt-in in ONE transaction: with `cap` reached, records a refusal
    /// and returns `Refused` (R2); otherwise writes the opt-in and its ledger entry, and
    /// gives the number to a contact (R9): the contact with that WhatsApp number, else the
    /// one whose SMS number it is (gaining it as WhatsApp number), else a new contact.
    async fn give_opt_in(
        &self,
        account: AccountId,
        number: &PhoneNumber,
        source: ConsentSource,
        cap: Option<u64>,
    ) -> StoreResult<OptInResult> {
        let wanted = [(number.clone(), source)];
        let mut results = self.give_opt_ins(account, &wanted, cap).await?;
        results
            .pop()
            .ok_or_else(|| StoreError::Backend(anyhow::anyhow!("the store answered no opt-in")))
    }
    /// [`give_opt_in`](ConsentStore::give_opt_in) for many numbers at once, in ONE
    /// transaction and a fixed number of statements however many there are: the answers
    /// are in the order of `wanted`; with `cap`, the numbers that had no opt-in are given
    /// one in that order until the cap is reached, and the rest are refused. The numbers
    /// must differ (`Conflict { what: "number" }` otherwise).
    async fn give_opt_ins(
        &self,
        account: AccountId,
        wanted: &[(PhoneNumber, ConsentSource)],
        cap: Option<u64>,
    ) -> StoreResult<Vec<OptInResult>>;
    /// Ends the opt-in (R11, R13) with a ledger entry; `false` when none was active.
    async fn revoke_opt_in(
        &self,
        account: AccountId,
        number: &PhoneNumber,
        source: ConsentSource,
    ) -> StoreResult<bool> {
        let wanted = [(number.clone(), source)];
        let revoked = self.revoke_opt_ins(account, &wanted).await?;
        Ok(revoked.first().copied().unwrap_or(false))
    }
    /// [`revoke_opt_in`](ConsentStore::revoke_opt_in) for many numbers in ONE transaction
    /// and a fixed number of statements; the answers are in the order of `wanted`.
    async fn revoke_opt_ins(
        &self,
        account: AccountId,
        wanted: &[(PhoneNumber, ConsentSource)],
    ) -> StoreResult<Vec<bool>>;
    /// Puts the number's contact into the group (R10), creating the contact as R9 does
    /// when there is none (`channel` says which of its numbers `number` is).
    /// `Unknown { what: "group" }` when the account has no such group.
    async fn join_group(
        &self,
        account: AccountId,
        number: &PhoneNumber,
        channel: ChannelKind,
        group: &GroupCode,
        source: ConsentSource,
    ) -> StoreResult<GroupMove> {
        let wanted = [(number.clone(), source)];
        crate::group_batch::only(self.join_groups(account, channel, group, &wanted).await?)
    }
    /// [`join_group`](ConsentStore::join_group) for many numbers at once, in ONE
    /// transaction and a fixed number of statements; the answers are in the order of
    /// `wanted`. The numbers must differ (`Conflict { what: "number" }` otherwise).
    async fn join_groups(
        &self,
        account: AccountId,
        channel: ChannelKind,
        group: &GroupCode,
        wanted: &[(PhoneNumber, ConsentSource)],
    ) -> StoreResult<Vec<GroupMove>>;
    /// Takes the number's contact out of the group only (R12); the opt-in stays.
    async fn leave_group(
        &self,
        account: AccountId,
        number: &PhoneNumber,
        channel: ChannelKind,
        group: &GroupCode,
        source: ConsentSource,
    ) -> StoreResult<GroupMove> {
        let wanted = [(number.clone(), source)];
        crate::group_batch::only(self.leave_groups(account, channel, group, &wanted).await?)
    }
    /// [`leave_group`](ConsentStore::leave_group) for many numbers at once, as
    /// [`join_groups`](ConsentStore::join_groups) does.
    async fn leave_groups(
        &self,
        account: AccountId,
        channel: ChannelKind,
        group: &GroupCode,
        wanted: &[(PhoneNumber, ConsentSource)],
    ) -> StoreResult<Vec<GroupMove>>;
    /// Active opt-ins, newest first; `before` is an opt-in id from the previous page.
    async fn list_opt_ins(
        &self,
        account: AccountId,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Page<OptIn>>;
    async fn active_opt_in(
        &self,
        account: AccountId,
        number: &PhoneNumber,
    ) -> StoreResult<Option<OptIn>>;
    async fn active_opt_in_count(&self, account: AccountId) -> StoreResult<u64>;
    /// Every ledger entry of the number, oldest first.
    async fn consent_ledger(
        &self,
        account: AccountId,
        number: &PhoneNumber,
    ) -> StoreResult<Vec<LedgerEntry>>;
    /// The account's settings, or the defaults when it never saved any.
    async fn keyword_settings(&self, account: AccountId) -> StoreResult<KeywordSettings>;
    async fn set_keyword_settings(
        &self,
        account: AccountId,
        settings: &KeywordSettings,
    ) -> StoreResult<()>;
    /// Removes inbound messages of the account that may not be kept (small package, R3).
    async fn forget_inbound(&self, account: AccountId, ids: &[i64]) -> StoreResult<()>;
}
