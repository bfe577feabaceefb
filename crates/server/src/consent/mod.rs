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

use bote_domain::ChannelKind;
use bote_store::{InboundRecord, Store};

use crate::addon::PackageCaps;

/// Runs the pipeline for a new inbound message, with the account's policy and settings;
/// returns whether the message is kept (the small package keeps only keywords, R3).
/// Messages of no account, and SMS of accounts without `sms_keywords`, pass untouched.
pub async fn on_inbound(
    store: &dyn Store,
    caps: &PackageCaps,
    record: &InboundRecord,
) -> anyhow::Result<bool> {
    let Some(account) = record.account else {
        return Ok(true);
    };
    // Read once for both the SMS check and the pipeline.
    let settings = store.keyword_settings(account).await?;
    if record.channel == ChannelKind::Sms && !settings.sms_keywords {
        return Ok(true);
    }
    let policy = opt_in_policy(store, caps, account).await?;
    let handled = handle_with(store, record, &settings, policy).await?;
    tracing::debug!(
        id = record.id,
        ?handled,
        "inbound message through the consent pipeline"
    );
    Ok(handled.kept)
}
