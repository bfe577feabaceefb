//! The account managers' area: for now the list of accounts (more pages come later).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::page::{Chrome, WebError, render};
use super::session::WebUser;
use crate::app::AppState;

struct AccountRow {
    id: i64,
    name: String,
    kind: String,
    trial_ends: String,
    created: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    chrome: Chrome,
    accounts: Vec<AccountRow>,
}

/// `GET /admin`: account managers only.
pub async fn show(State(state): State<AppState>, user: WebUser) -> Result<Response, WebError> {
    if !user.is_account_manager() {
        return Err(WebError::Forbidden(user.lang));
    }
    let accounts = state
        .store
        .list_accounts()
        .await?
        .into_iter()
        .map(|a| AccountRow {
            id: a.id.0,
            name: a.name,
            kind: a.kind.as_str().to_owned(),
            trial_ends: a
                .trial_ends_at
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            created: a.created_at.format("%Y-%m-%d").to_string(),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &AdminPage {
            chrome: Chrome::for_user(&user, "/admin"),
            accounts,
        },
    ))
}
