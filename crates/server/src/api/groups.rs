//! `/api/v1/groups`: contact groups with their codes, and bulk membership changes (R15).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use bote_domain::{ContactId, GroupId};
use bote_store::{Contact, Group, GroupDraft, MembershipChange};
use serde::Deserialize;

use super::contacts::{ListParams, list_page};
use super::input;
use super::query::{PageBody, page_limit, parse_cursor};
use super::{ApiError, ApiJson, ApiQuery, ApiResult};
use crate::app::AppState;
use crate::auth::{Manage, Read, Tenant};

/// Most contacts one bulk membership request may name.
const MAX_BULK: usize = 10_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/groups", get(list).post(create))
        .route("/groups/{id}", get(show).patch(update).delete(remove))
        .route(
            "/groups/{id}/members",
            get(members).post(add_members).delete(remove_members),
        )
        .route("/groups/{id}/members/remove", post(remove_members))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupInput {
    name: Option<String>,
    code: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupPatch {
    name: Option<String>,
    code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageParams {
    cursor: Option<String>,
    limit: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MembersInput {
    contacts: Vec<i64>,
}

impl MembersInput {
    fn ids(&self) -> ApiResult<Vec<ContactId>> {
        if self.contacts.len() > MAX_BULK {
            return Err(ApiError::invalid(
                "contacts",
                "too_many",
                format!(
                    "at most {MAX_BULK} contacts per request, got {}",
                    self.contacts.len()
                ),
            ));
        }
        Ok(self.contacts.iter().copied().map(ContactId).collect())
    }
}

async fn list(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<Json<PageBody<Group>>> {
    let after = parse_cursor(params.cursor.as_deref())?.map(GroupId);
    let page = state
        .store
        .list_groups(tenant.account, after, page_limit(params.limit)?)
        .await?;
    Ok(Json(page.into()))
}

async fn create(
    tenant: Tenant<Manage>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<GroupInput>,
) -> ApiResult<(StatusCode, Json<Group>)> {
    let code = input::group_code("code", &body.code)?;
    let name = input::name("name", body.name.as_deref())?.unwrap_or_else(|| code.to_string());
    let group = state
        .store
        .create_group(tenant.account, GroupDraft { name, code })
        .await?;
    Ok((StatusCode::CREATED, Json(group)))
}

async fn show(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Group>> {
    Ok(Json(state.store.group(tenant.account, GroupId(id)).await?))
}

async fn update(
    tenant: Tenant<Manage>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<GroupPatch>,
) -> ApiResult<Json<Group>> {
    let current = state.store.group(tenant.account, GroupId(id)).await?;
    let code = match body.code.as_deref() {
        Some(c) => input::group_code("code", c)?,
        None => current.code,
    };
    let name = match body.name.as_deref() {
        Some(n) => input::name("name", Some(n))?.ok_or_else(|| {
            ApiError::invalid("name", "name_required", "a group's name cannot be blank")
        })?,
        None => current.name,
    };
    let group = state
        .store
        .update_group(tenant.account, GroupId(id), GroupDraft { name, code })
        .await?;
    Ok(Json(group))
}

/// Deletes the group and its memberships; the contacts stay.
async fn remove(
    tenant: Tenant<Manage>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state
        .store
        .delete_group(tenant.account, GroupId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn members(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<PageBody<Contact>>> {
    let group = state.store.group(tenant.account, GroupId(id)).await?;
    list_page(&state, tenant.account, params, Some(group.code))
        .await
        .map(Json)
}

async fn add_members(
    tenant: Tenant<Manage>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MembersInput>,
) -> ApiResult<Json<MembershipChange>> {
    let change = state
        .store
        .add_members(tenant.account, GroupId(id), &body.ids()?)
        .await?;
    Ok(Json(change))
}

async fn remove_members(
    tenant: Tenant<Manage>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MembersInput>,
) -> ApiResult<Json<MembershipChange>> {
    let change = state
        .store
        .remove_members(tenant.account, GroupId(id), &body.ids()?)
        .await?;
    Ok(Json(change))
}
