//! What an account sees of its WhatsApp add-on: package, state, expected date, cap and
//! numbers (R1–R5).

use bote_domain::{AccountId, AccountKind, ChannelKind, Package};
use bote_store::{AddonState, BusinessNumber, Store, WhatsappAddon};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::PackageCaps;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WhatsappState {
    /// No add-on: only an account manager can activate WhatsApp (R1).
    None,
    /// Activated, not yet set up (R3).
    Pending,
    /// Set up: the account has a WhatsApp business number (R4), or is a test account (R5).
    Active,
}

#[derive(Debug, Clone, Serialize)]
pub struct WhatsappStatus {
    pub package: Option<Package>,
    pub state: WhatsappState,
    pub expected_on: Option<NaiveDate>,
    pub activated_at: Option<DateTime<Utc>>,
    /// Most active opt-ins (R2); 0 without the add-on.
    pub cap: u64,
    /// Only the opt-in keyword gives an opt-in (small, R3).
    pub keyword_only: bool,
    /// Inbound messages other than keywords are kept (not for small, R3).
    pub keeps_replies: bool,
    /// The WhatsApp profile can be customised (not for small, R3).
    pub custom_profile: bool,
    /// A test account: WhatsApp included, only to its verified number (R5).
    pub test_account: bool,
    pub numbers: Vec<BusinessNumber>,
}

impl WhatsappStatus {
    pub fn from_parts(
        addon: Option<&WhatsappAddon>,
        kind: AccountKind,
        caps: &PackageCaps,
        numbers: Vec<BusinessNumber>,
    ) -> Self {
        let test_account = kind == AccountKind::Test;
        let state = match (addon.map(|a| a.state), test_account) {
            (Some(AddonState::Active), _) | (_, true) => WhatsappState::Active,
            (Some(AddonState::Pending), false) => WhatsappState::Pending,
            (None, false) => WhatsappState::None,
        };
        let package = addon.map(|a| a.package);
        let policy = match (package, test_account) {
            (_, true) => Package::Medium.policy(caps.small),
            (Some(p), false) => p.policy(caps.cap(p)),
            (None, false) => bote_domain::OptInPolicy::NONE,
        };
        WhatsappStatus {
            package,
            state,
            expected_on: addon.map(|a| a.expected_on),
            activated_at: addon.map(|a| a.activated_at),
            cap: policy.cap.unwrap_or(0),
            keyword_only: policy.keyword_only,
            keeps_replies: policy.keep_replies,
            custom_profile: state != WhatsappState::None && package != Some(Package::Small),
            test_account,
            numbers,
        }
    }
}

/// The WhatsApp add-on of `account` as the account sees it.
pub async fn whatsapp_status(
    store: &dyn Store,
    caps: &PackageCaps,
    account: AccountId,
) -> anyhow::Result<WhatsappStatus> {
    let kind = store.account(account).await?.kind;
    let addon = store.whatsapp_addon(account).await?;
    let numbers = store
        .business_numbers(Some(account))
        .await?
        .into_iter()
        .filter(|n| n.channel == ChannelKind::Whatsapp)
        .collect();
    Ok(WhatsappStatus::from_parts(
        addon.as_ref(),
        kind,
        caps,
        numbers,
    ))
}
