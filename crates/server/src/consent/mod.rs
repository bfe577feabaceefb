//! Consent from what recipients write (R7, R10–R12): every new inbound message routed to an
//! account goes through [`on_inbound`] — WhatsApp always, SMS when the account turned
//! `sms_keywords` on. Keywords change opt-ins and group memberships (with ledger entries in
//! the store), replies go out through the normal sending path, and the package's
//! [`OptInPolicy`] decides about caps, keyword-only opt-ins and keeping replies (R2, R3).

mod moves;
mod pipeline;
mod plan;
mod policy;
mod reply;

pub use pipeline::{Handled, handle, handle_batch, handle_with};
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

/// Runs the pipeline for new inbound messages of the account `rules` belong to (see
/// [`handle_batch`]); answers, in the order of `records`, whether each message is kept
/// (the small package keeps only keywords, R3). SMS of accounts without `sms_keywords`
/// pass untouched.
pub async fn on_inbound(
    store: &dyn Store,
    rules: &AccountRules,
    account: AccountId,
    records: &[&InboundRecord],
) -> Vec<anyhow::Result<bool>> {
    let applies =
        |r: &InboundRecord| r.channel == ChannelKind::Whatsapp || rules.settings.sms_keywords;
    let through: Vec<&InboundRecord> = records.iter().copied().filter(|r| applies(r)).collect();
    let mut handled = handle_batch(store, account, &through, &rules.settings, rules.policy)
        .await
        .into_iter();
    records
        .iter()
        .map(|record| {
            if !applies(record) {
                return Ok(true);
            }
            let handled = handled
                .next()
                .unwrap_or_else(|| Err(anyhow::anyhow!("the pipeline skipped a message")))?;
            tracing::debug!(
                id = record.id,
                ?handled,
                "inbound message through the consent pipeline"
            );
            Ok(handled.kept)
        })
        .collect()
}
