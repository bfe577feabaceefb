//! `/api/v1/settings/user`: the calling user's own email address, where the account's
//! emails go when the user is an owner. Only a person signed in with their user name and
//! password has one: an API token belongs to the account, not to a user.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use bote_domain::UserId;
use bote_store::User;
use serde::{Deserialize, Serialize};

use super::{ApiError, ApiJson, ApiResult};
use crate::accounts::set_email;
use crate::app::AppState;
use crate::auth::{Manage, Principal, Read, Tenant, Via};

pub fn router() -> Router<AppState> {
    Router::new().route("/settings/user", get(show).put(update))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserSettingsInput {
    /// `null` (or absent, or blank) removes the address.
    email: Option<String>,
}

#[derive(Debug, Serialize)]
struct UserSettings {
    username: String,
    email: Option<String>,
}

impl From<User> for UserSettings {
    fn from(user: User) -> UserSettings {
        UserSettings {
            username: user.username,
            email: user.email,
        }
    }
}

/// The user behind the request; 403 for an API token.
fn caller(principal: &Principal) -> ApiResult<UserId> {
    match principal.via {
        Via::User { id, .. } => Ok(id),
        Via::Token(_) => Err(ApiError::forbidden(
            "an API token belongs to the account, not to a user: sign in with HTTP Basic as \
             the user whose settings these are",
        )),
    }
}

async fn show(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
) -> ApiResult<Json<UserSettings>> {
    let id = caller(&tenant.principal)?;
    let user = state
        .store
        .list_users(tenant.account)
        .await?
        .into_iter()
        .find(|u| u.id == id)
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Json(user.into()))
}

async fn update(
    tenant: Tenant<Manage>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<UserSettingsInput>,
) -> ApiResult<Json<UserSettings>> {
    let id = caller(&tenant.principal)?;
    let user = set_email(state.store.as_ref(), id, body.email.as_deref()).await?;
    Ok(Json(user.into()))
}
