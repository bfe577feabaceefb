//! `/api/v1/admin/…/whatsapp`: account managers activate, change and remove an account's
//! WhatsApp add-on (R1, R3) and see the setups still pending.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use bote_domain::{AccountId, Package};
use bote_store::{AddonState, WhatsappAddon};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{ApiError, ApiJson, ApiResult};
use crate::addon::{ActivateError, activate};
use crate::app::AppState;
use crate::auth::{AccountManager, Via};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/accounts/{id}/whatsapp",
            put(activate_addon).delete(deactivate),
        )
        .route("/admin/whatsapp/pending", get(pending))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivateInput {
    package: Package,
    /// Accept that moving up from small means recipients opt in again (R3).
    #[serde(default)]
    reset_opt_ins: bool,
}

#[derive(Debug, Serialize)]
struct Activated {
    #[serde(flatten)]
    addon: WhatsappAddon,
    /// Every opt-in of the account must be given again (moved up from small, R3).
    opt_ins_must_reset: bool,
    /// False when the account already had this package.
    changed: bool,
}

async fn activate_addon(
    manager: AccountManager,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ActivateInput>,
) -> ApiResult<Json<Activated>> {
    let by = match manager.principal.via {
        Via::User { id, .. } => Some(id),
        Via::Token(_) => None,
    };
    let done = activate(
        state.store.as_ref(),
        state.config.default_time_zone,
        AccountId(id),
        body.package,
        by,
        body.reset_opt_ins,
    )
    .await
    .map_err(|e| match e {
        ActivateError::Store(s) => ApiError::from(s),
        e @ ActivateError::UpgradeNeedsNewOptIns { .. } => ApiError::new(
            StatusCode::CONFLICT,
            "upgrade_needs_new_opt_ins",
            e.to_string(),
        )
        .with_field("reset_opt_ins"),
    })?;
    if done.changed {
        // The owners get their widget's link (R8); in the background, never in the way.
        crate::email::after_activation(
            state.store.clone(),
            state.mailer.clone(),
            AccountId(id),
            state.public_base.clone(),
        );
    }
    Ok(Json(Activated {
        addon: done.addon,
        opt_ins_must_reset: done.opt_ins_must_reset,
        changed: done.changed,
    }))
}

async fn deactivate(
    _manager: AccountManager,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state.store.deactivate_whatsapp(AccountId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize)]
struct PendingSetup {
    account: AccountId,
    account_name: String,
    package: Package,
    activated_at: chrono::DateTime<Utc>,
    expected_on: NaiveDate,
    /// The expected date has passed and the account still has no WhatsApp number.
    overdue: bool,
}

/// Pending setups, the soonest expected first: the account managers' work list (R3, R4).
async fn pending(
    _manager: AccountManager,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<PendingSetup>>> {
    let today = Utc::now()
        .with_timezone(&state.config.default_time_zone)
        .date_naive();
    let accounts = state.store.list_accounts().await?;
    let mut setups: Vec<PendingSetup> = state
        .store
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
    Ok(Json(setups))
}
