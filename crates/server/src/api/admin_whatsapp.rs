//! `/api/v1/admin/…/whatsapp`: account managers activate, change and remove an account's
//! WhatsApp add-on (R1, R3) and see the setups still pending.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use bote_domain::{AccountId, Package};
use bote_store::WhatsappAddon;
use serde::{Deserialize, Serialize};

use super::{ApiError, ApiJson, ApiResult};
use crate::addon::{ActivateError, PendingSetup, activate, pending_setups};
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

/// Pending setups, the soonest expected first: the account managers' work list (R3, R4).
async fn pending(
    _manager: AccountManager,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<PendingSetup>>> {
    Ok(Json(
        pending_setups(state.store.as_ref(), state.config.default_time_zone).await?,
    ))
}
