//! `/api/v1/admin/numbers`: account managers register and remove business numbers, WhatsApp
//! Cloud API numbers with their credentials. Answers never carry a credential.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, post};
use axum::{Json, Router};
use bote_domain::ChannelKind;
use bote_store::{BusinessNumber, StoreError};
use serde::Deserialize;

use super::{ApiError, ApiJson, ApiResult};
use crate::app::AppState;
use crate::auth::AccountManager;
use crate::numbers::{NumberError, NumberInput, register_number};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/numbers", post(add))
        .route("/admin/numbers/{id}", delete(remove))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddInput {
    /// The account's name.
    account: String,
    channel: ChannelKind,
    number: String,
    provider_ref: Option<String>,
    phone_number_id: Option<String>,
    access_token: Option<String>,
    app_secret: Option<String>,
    verify_token: Option<String>,
    messages_per_second: Option<u32>,
}

async fn add(
    _manager: AccountManager,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<AddInput>,
) -> ApiResult<(StatusCode, Json<BusinessNumber>)> {
    let account = state
        .store
        .account_by_name(&body.account)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => ApiError::invalid(
                "account",
                "unknown_account",
                format!("account: no account is named '{}'", body.account),
            ),
            other => other.into(),
        })?;
    let input = NumberInput {
        channel: Some(body.channel),
        number: body.number,
        provider_ref: body.provider_ref,
        phone_number_id: body.phone_number_id,
        access_token: body.access_token,
        app_secret: body.app_secret,
        verify_token: body.verify_token,
        messages_per_second: body.messages_per_second,
    };
    let added = register_number(
        state.store.as_ref(),
        account.id,
        input,
        state.config.default_region,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(added)))
}

async fn remove(
    _manager: AccountManager,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let owner = state
        .store
        .business_numbers(None)
        .await?
        .into_iter()
        .find(|n| n.id == id)
        .ok_or_else(|| ApiError::not_found("business number"))?;
    state
        .store
        .remove_business_number(owner.account, id)
        .await?;
    // Its webhook ends now in this process (others stop within `numbers::KEPT_FOR`).
    if let Some(phone_number_id) = &owner.provider_ref {
        state.cloud_numbers.forget(phone_number_id);
    }
    Ok(StatusCode::NO_CONTENT)
}

impl From<NumberError> for ApiError {
    fn from(e: NumberError) -> Self {
        match e {
            NumberError::Invalid {
                field,
                code,
                message,
            } => ApiError::invalid(field, code, message),
            NumberError::Store(s) => s.into(),
        }
    }
}
