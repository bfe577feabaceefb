//! The setups still to do: accounts whose WhatsApp add-on is active but have no WhatsApp
//! number yet, with the date promised for each (R3). The account managers' work list, shown
//! by the admin API and the admin pages. A setup is overdue once its date has passed in the
//! account's own time zone.

use bote_domain::{AccountId, Package};
use bote_store::{AddonState, Store, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::accounts::zone_of;

#[derive(Debug, Clone, Serialize)]
pub struct PendingSetup {
    pub account: AccountId,
    pub account_name: String,
    pub package: Package,
    pub activated_at: DateTime<Utc>,
    pub expected_on: NaiveDate,
    /// The expected date has passed and the account still has no WhatsApp number.
    pub overdue: bool,
}

/// Pending setups, the soonest expected first; "today" is the date in each account's time
/// zone, `default_zone` for those without one.
pub async fn pending_setups(
    store: &dyn Store,
    default_zone: chrono_tz::Tz,
) -> StoreResult<Vec<PendingSetup>> {
    let now = Utc::now();
    let accounts = store.list_accounts().await?;
    let mut setups: Vec<PendingSetup> = store
        .whatsapp_addons()
        .await?
        .into_iter()
        .filter(|a| a.state == AddonState::Pending)
        .map(|a| {
            let account = accounts.iter().find(|x| x.id == a.account);
            let zone = account.map_or(default_zone, |x| zone_of(x, default_zone));
            PendingSetup {
                account_name: account.map(|x| x.name.clone()).unwrap_or_default(),
                account: a.account,
                package: a.package,
                activated_at: a.activated_at,
                expected_on: a.expected_on,
                overdue: a.expected_on < now.with_timezone(&zone).date_naive(),
            }
        })
        .collect();
    setups.sort_by_key(|s| (s.expected_on, s.account));
    Ok(setups)
}
