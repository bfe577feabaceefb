//! `/api/v1/whatsapp`: the account's WhatsApp add-on as the business sees it — package,
//! state (`none`, `pending` with the expected date, `active`), opt-in cap and numbers.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use super::{ApiError, ApiResult};
use crate::addon::{WhatsappStatus, whatsapp_status};
use crate::app::AppState;
use crate::auth::{Read, Tenant};

pub fn router() -> Router<AppState> {
    Router::new().route("/whatsapp", get(show))
}

async fn show(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
) -> ApiResult<Json<WhatsappStatus>> {
    let status = whatsapp_status(state.store.as_ref(), &state.config.packages, tenant.account)
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(status))
}
