//! The setups still to do: accounts whose WhatsApp add-on is active but have no WhatsApp
//! number yet, with the date promised for each (R3). The account managers' work list, shown
//! by the admin API and the admin pages.

use bote_domain::{AccountId, Package};
use bote_store::{AddonState, Store, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

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

/// Pending setups, the soonest expected first; "today" is the date in `time_zone`.
pub async fn pending_setups(
    store: &dyn Store,
    time_zone: chrono_tz::Tz,
) -> StoreResult<Vec<PendingSetup>> {
    let today = Utc::now().with_timezone(&time_zone).date_naive();
    let accounts = store.list_accounts().await?;
    let mut setups: Vec<PendingSetup> = store
        .whatsapp_addons()
        .await?
        .into_iter()
        .filter(|a| a.state == AddonState::Pending)
        .map(|a| PendingSetup {
            account_name: accounts
                .iter()
                .find(|x| x.id == a.account)
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            account: a.account,
            package: a.package,
            activated_at: a.activated_at,
            expected_on: a.expected_on,
            overdue: a.expected_on < today,
        })
        .collect();
    setups.sort_by_key(|s| (s.expected_on, s.account));
    Ok(setups)
}
