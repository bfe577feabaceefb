//! The opt-in policy of an account: what its package allows (R2, R3, R5).

use bote_domain::{AccountId, AccountKind, OptInPolicy, Package};
use bote_store::Store;

use super::PackageCaps;

/// The rules opt-ins and replies of `account` follow. No add-on: a cap of 0, so every
/// opt-in is refused (and recorded, R2). Test accounts include WhatsApp (R5): the medium
/// rules with the small package's cap.
pub async fn opt_in_policy(
    store: &dyn Store,
    caps: &PackageCaps,
    account: AccountId,
) -> anyhow::Result<OptInPolicy> {
    let kind = store.account(account).await?.kind;
    if kind == AccountKind::Test {
        return Ok(Package::Medium.policy(caps.small));
    }
    Ok(match store.whatsapp_addon(account).await? {
        Some(addon) => addon.package.policy(caps.cap(addon.package)),
        None => OptInPolicy::NONE,
    })
}
