//! `/api/v1/settings/account`: the account's time zone, which sending windows without a
//! zone, the web pages' local times and a pending WhatsApp setup's expected date are in.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use bote_store::Account;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiResult, input};
use crate::accounts::zone_of;
use crate::app::AppState;
use crate::auth::{Manage, Read, Tenant};

pub fn router() -> Router<AppState> {
    Router::new().route("/settings/account", get(show).put(update))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountSettingsInput {
    /// An IANA name; `null` (or absent): the server's `default_time_zone`.
    time_zone: Option<String>,
}

#[derive(Debug, Serialize)]
struct AccountSettings {
    /// The account's own zone; `null` when it follows the server's default.
    time_zone: Option<&'static str>,
    /// The zone in effect: the account's own, else the server's default.
    effective_time_zone: &'static str,
}

impl AccountSettings {
    fn of(account: &Account, default_zone: Tz) -> AccountSettings {
        AccountSettings {
            time_zone: account.time_zone.map(|z| z.name()),
            effective_time_zone: zone_of(account, default_zone).name(),
        }
    }
}

async fn show(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
) -> ApiResult<Json<AccountSettings>> {
    let account = state.store.account(tenant.account).await?;
    Ok(Json(AccountSettings::of(
        &account,
        state.config.default_time_zone,
    )))
}

async fn update(
    tenant: Tenant<Manage>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<AccountSettingsInput>,
) -> ApiResult<Json<AccountSettings>> {
    let zone = input::time_zone("time_zone", body.time_zone.as_deref())?;
    let account = state
        .store
        .set_account_time_zone(tenant.account, zone)
        .await?;
    Ok(Json(AccountSettings::of(
        &account,
        state.config.default_time_zone,
    )))
}
