//! The groups page: every group of the account with its code (what recipients text with
//! START <code>) and its member count, each linking to its members in the contacts list; a
//! form to create a group and a button to delete one (its contacts stay).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bote_domain::{AccountId, GroupId};
use bote_store::{GroupDraft, StoreError};
use serde::Deserialize;

use super::page::{Chrome, WebError, render};
use super::refusal::refusal;
use super::session::{CsrfForm, WebUser};
use crate::api::{ApiError, input};
use crate::app::AppState;

/// Groups on one page.
const PAGE: u32 = 100;

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    after: Option<i64>,
}

/// The new-group form as sent, kept to show again when refused.
#[derive(Debug, Default, Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    code: String,
}

struct Row {
    id: i64,
    name: String,
    code: String,
    members: i64,
}

#[derive(Template)]
#[template(path = "groups.html")]
struct GroupsPage {
    chrome: Chrome,
    rows: Vec<Row>,
    next: Option<i64>,
    form: GroupForm,
    error: Option<String>,
}

fn account(user: &WebUser) -> Result<AccountId, WebError> {
    user.user.account_id.ok_or(WebError::Forbidden(user.lang))
}

/// The page with one page of groups, and the form as given with what refused it.
async fn page(
    state: &AppState,
    user: &WebUser,
    after: Option<i64>,
    form: GroupForm,
    error: Option<String>,
) -> Result<Response, WebError> {
    let page = state
        .store
        .list_groups(account(user)?, after.map(GroupId), PAGE)
        .await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(
        status,
        &GroupsPage {
            chrome: Chrome::for_user(user, "/groups"),
            rows: page
                .items
                .iter()
                .map(|g| Row {
                    id: g.id.0,
                    name: g.name.clone(),
                    code: g.code.as_str().to_owned(),
                    members: g.member_count,
                })
                .collect(),
            next: page.next_after,
            form,
            error,
        },
    ))
}

/// `GET /groups`.
pub async fn list(
    State(state): State<AppState>,
    user: WebUser,
    Query(params): Query<Params>,
) -> Result<Response, WebError> {
    page(&state, &user, params.after, GroupForm::default(), None).await
}

/// The group the form describes, checked as the API checks it; the name defaults to the code.
fn draft(form: &GroupForm) -> Result<GroupDraft, ApiError> {
    let code = input::group_code("code", &form.code)?;
    let name = input::name("name", Some(&form.name))?.unwrap_or_else(|| code.to_string());
    Ok(GroupDraft { name, code })
}

/// `POST /groups`: creates a group; a refused one shows the page again with the reason.
pub async fn create(
    State(state): State<AppState>,
    user: WebUser,
    Form(form): Form<GroupForm>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    let result = match draft(&form) {
        Ok(draft) => state
            .store
            .create_group(account, draft)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/groups").into_response()),
        Err(e) if e.status.is_server_error() => Err(WebError::Store(StoreError::Backend(
            anyhow::anyhow!(e.message),
        ))),
        Err(e) => page(&state, &user, None, form, Some(refusal(e))).await,
    }
}

/// `POST /groups/{id}/delete`: deletes the group and its memberships; the contacts stay.
pub async fn delete(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    match state.store.delete_group(account, GroupId(id)).await {
        Ok(()) => Ok(Redirect::to("/groups").into_response()),
        Err(StoreError::NotFound(_)) => Err(WebError::NotFound(user.lang)),
        Err(e) => Err(e.into()),
    }
}
