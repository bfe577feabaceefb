//! The groups page: every group of the account with its code (what recipients text with
//! START <code>) and its member count, each linking to its members in the contacts list.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use bote_domain::GroupId;
use serde::Deserialize;

use super::page::{Chrome, WebError, render};
use super::session::WebUser;
use crate::app::AppState;

/// Groups on one page.
const PAGE: u32 = 100;

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    after: Option<i64>,
}

struct Row {
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
}

/// `GET /groups`.
pub async fn list(
    State(state): State<AppState>,
    user: WebUser,
    Query(params): Query<Params>,
) -> Result<Response, WebError> {
    let account = user.user.account_id.ok_or(WebError::Forbidden(user.lang))?;
    let page = state
        .store
        .list_groups(account, params.after.map(GroupId), PAGE)
        .await?;
    Ok(render(
        StatusCode::OK,
        &GroupsPage {
            chrome: Chrome::for_user(&user, "/groups"),
            rows: page
                .items
                .iter()
                .map(|g| Row {
                    name: g.name.clone(),
                    code: g.code.as_str().to_owned(),
                    members: g.member_count,
                })
                .collect(),
            next: page.next_after,
        },
    ))
}
