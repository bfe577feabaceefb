//! `/api/v1/settings/callbacks`: where the account's inbound messages are forwarded (in
//! websms form, signed like delivery reports).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::{ApiError, ApiJson, ApiResult};
use crate::app::AppState;
use crate::auth::{Manage, Read, Tenant};

pub fn router() -> Router<AppState> {
    Router::new().route("/settings/callbacks", get(show).put(update))
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallbackSettings {
    /// `null`: inbound messages are not forwarded.
    inbound_url: Option<String>,
}

async fn show(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
) -> ApiResult<Json<CallbackSettings>> {
    let inbound_url = state.store.inbound_callback_url(tenant.account).await?;
    Ok(Json(CallbackSettings { inbound_url }))
}

async fn update(
    tenant: Tenant<Manage>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CallbackSettings>,
) -> ApiResult<Json<CallbackSettings>> {
    let url = checked_callback_url(body.inbound_url.as_deref())?;
    state
        .store
        .set_inbound_callback_url(tenant.account, url.as_deref())
        .await?;
    Ok(Json(CallbackSettings { inbound_url: url }))
}

/// The inbound callback URL as saved: trimmed, an http(s) URL with a host, or none. The
/// API and the settings page both check it here.
pub(crate) fn checked_callback_url(raw: Option<&str>) -> ApiResult<Option<String>> {
    let Some(url) = raw.map(str::trim) else {
        return Ok(None);
    };
    let ok = url::Url::parse(url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if !ok || url.len() > 2048 {
        return Err(ApiError::invalid(
            "inbound_url",
            "invalid_url",
            format!("'{url}' is not an http(s) URL"),
        ));
    }
    Ok(Some(url.to_owned()))
}
