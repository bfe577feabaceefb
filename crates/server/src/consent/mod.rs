//! Consent from what recipients write (R7, R10–R12): every new inbound message routed to an
//! account goes through [`on_inbound`] — WhatsApp always, SMS when the account turned
//! `sms_keywords` on. Keywords change opt-ins and group memberships (with ledger entries in
//! the store), replies go out through the normal sending path, and the package's
//! [`OptInPolicy`] decides about caps, keyword-only opt-ins and keeping replies (R2, R3).

mod pipeline;
mod policy;
mod reply;

pub use pipeline::{Handled, handle, handle_with};
pub use policy::{OptInPolicy, opt_in_policy};

use bote_domain::{AccountId, ChannelKind};
use bote_store::{InboundRecord, KeywordSettings, Store};

use crate::addon::PackageCaps;

/// What the pipeline needs of an account besides the message: its keyword settings and
/// its package's policy. Read once for all of an account's messages processed together.
#[derive(Debug, Clone)]
pub struct AccountRules {
    pub settings: KeywordSettings,
    pub policy: OptInPolicy,
}

impl AccountRules {
    pub async fn of(
        store: &dyn Store,
        caps: &PackageCaps,
        account: AccountId,
    ) -> anyhow::Result<AccountRules> {
        Ok(AccountRules {
            settings: store.keyword_settings(account).await?,
            policy: opt_in_policy(store, caps, account).await?,
        })
    }
}

/// Runs the pipeline for a new inbound message of the account `rules` belong to; returns
/// whether the message is kept (the small package keeps only keywords, R3). Messages of no
/// account, and SMS of accounts without `sms_keywords`, pass untouched.
pub async fn on_inbound(
    store: &dyn Store,
    rules: &AccountRules,
    record: &InboundRecord,
) -> anyhow::Result<bool> {
    if record.account.is_none()
        || (record.channel == ChannelKind::Sms && !rules.settings.sms_keywords)
    {
        return Ok(true);
    }
    let handled = handle_with(store, record, &rules.settings, rules.policy).await?;
    tracing::debug!(
        id = record.id,
        ?handled,
        "inbound message through the consent pipeline"
    );
    Ok(handled.kept)
}
