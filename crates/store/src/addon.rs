//! The WhatsApp add-on of an account (R1–R4) and the account's inbound callback setting.
//!
//! An account manager activates the add-on with a package; its state is derived, never
//! stored: `active` once the account has a WhatsApp business number (R4: registering a
//! number makes it active at once), else `pending` until the expected date and beyond.

use bote_domain::{AccountId, Package, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::StoreResult;

/// Where an activated add-on stands (derived from the account's WhatsApp numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddonState {
    /// Activated, no WhatsApp business number yet; set up by `expected_on` (R3).
    Pending,
    /// The account has at least one WhatsApp business number (R4).
    Active,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhatsappAddon {
    pub account: AccountId,
    pub package: Package,
    pub state: AddonState,
    pub activated_at: DateTime<Utc>,
    /// The account manager who activated it; `None` from the command line.
    pub activated_by: Option<UserId>,
    /// When the setup is expected to be done (working days, R3).
    pub expected_on: NaiveDate,
    /// The package before the last change that made recipients opt in again (R3).
    pub previous_package: Option<Package>,
    /// When opt-ins were last required to be given again.
    pub opt_ins_reset_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activation {
    pub account: AccountId,
    pub package: Package,
    pub activated_by: Option<UserId>,
    pub activated_at: DateTime<Utc>,
    pub expected_on: NaiveDate,
    /// The caller accepts that recipients opt in again, which moving up from small needs.
    pub reset_opt_ins: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activated {
    pub addon: WhatsappAddon,
    /// The package changed from small to a larger one: every opt-in of the account must be
    /// reset (R3). The caller resets them.
    pub opt_ins_must_reset: bool,
    /// False when the account already had this package (nothing was written).
    pub changed: bool,
}

#[async_trait::async_trait]
pub trait AddonStore: Send + Sync {
    /// Activates the add-on or changes its package. The same package again changes
    /// nothing. From small to medium or large without `reset_opt_ins` fails with
    /// `Conflict { what: "whatsapp package", value: "small" }` and writes nothing (R3).
    /// `NotFound("account")` for an unknown account.
    async fn activate_whatsapp(&self, activation: Activation) -> StoreResult<Activated>;
    /// Removes the add-on; `NotFound("whatsapp add-on")` when there is none.
    async fn deactivate_whatsapp(&self, account: AccountId) -> StoreResult<()>;
    /// The account's add-on, `None` when WhatsApp is not activated.
    async fn whatsapp_addon(&self, account: AccountId) -> StoreResult<Option<WhatsappAddon>>;
    /// Every account's add-on, by account id (account managers).
    async fn whatsapp_addons(&self) -> StoreResult<Vec<WhatsappAddon>>;

    /// Where inbound messages of the account are forwarded; `None`: nowhere.
    async fn inbound_callback_url(&self, account: AccountId) -> StoreResult<Option<String>>;
    async fn set_inbound_callback_url(
        &self,
        account: AccountId,
        url: Option<&str>,
    ) -> StoreResult<()>;
    /// Enqueues the forwarding of inbound messages of `account` to its inbound callback
    /// URL, in one statement, at most once per message; returns how many were enqueued now
    /// (not: no URL set, a message not the account's, or enqueued before).
    async fn enqueue_inbound_callbacks(
        &self,
        account: AccountId,
        inbound: &[i64],
    ) -> StoreResult<u64>;
}
