//! The time zone an account's local dates and times are in — a sending window without a
//! zone, the composer's "send later", the times on the sends pages, the day a pending
//! WhatsApp setup is expected: the account's own, else the server's `default_time_zone`.

use bote_domain::AccountId;
use bote_store::{Account, StoreResult};
use chrono_tz::Tz;

use crate::app::AppState;

/// `account`'s zone, `default_zone` when it has none of its own.
pub fn zone_of(account: &Account, default_zone: Tz) -> Tz {
    account.time_zone.unwrap_or(default_zone)
}

/// The zone of `account`, read from the store, with the configured default.
pub async fn account_zone(state: &AppState, account: AccountId) -> StoreResult<Tz> {
    let account = state.store.account(account).await?;
    Ok(zone_of(&account, state.config.default_time_zone))
}
