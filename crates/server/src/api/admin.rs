//! `/api/v1/admin`: platform administration by account managers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use bote_domain::AccountKind;
use bote_store::Account;
use serde::Deserialize;

use super::{ApiError, ApiJson, ApiResult, input};
use crate::accounts::{AccountError, create_account};
use crate::app::AppState;
use crate::auth::AccountManager;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/accounts", get(list).post(create))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountInput {
    name: String,
    kind: AccountKind,
    verified_number: Option<String>,
    /// An IANA name; absent or `null`: the server's `default_time_zone`.
    time_zone: Option<String>,
}

async fn list(
    _manager: AccountManager,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<Account>>> {
    Ok(Json(state.store.list_accounts().await?))
}

async fn create(
    _manager: AccountManager,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<AccountInput>,
) -> ApiResult<(StatusCode, Json<Account>)> {
    let number = input::phone(
        "verified_number",
        body.verified_number.as_deref(),
        state.config.default_region,
    )?;
    let zone = input::time_zone("time_zone", body.time_zone.as_deref())?;
    let account = create_account(state.store.as_ref(), &body.name, body.kind, number, zone).await?;
    Ok((StatusCode::CREATED, Json(account)))
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Store(s) => s.into(),
            AccountError::Other(o) => ApiError::internal(o),
            AccountError::InvalidName(_) => {
                ApiError::invalid("name", "invalid_name", e.to_string())
            }
            AccountError::VerifiedNumberRequired => {
                ApiError::invalid("verified_number", "verified_number_required", e.to_string())
            }
            AccountError::InvalidUsername(_) => {
                ApiError::invalid("username", "invalid_username", e.to_string())
            }
            AccountError::WeakPassword => {
                ApiError::invalid("password", "weak_password", e.to_string())
            }
            AccountError::InvalidEmail(_) => {
                ApiError::invalid("email", "invalid_email", e.to_string())
            }
            AccountError::RoleAccountMismatch => {
                ApiError::invalid("role", "invalid_role", e.to_string())
            }
        }
    }
}
