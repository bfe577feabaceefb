//! Account managers activate an account's WhatsApp add-on with a package (R1, R3) from the
//! accounts page, and see the setups still pending with their expected dates (R3).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use bote_domain::{AccountId, Package};
use serde::Deserialize;

use super::admin::{AccountForm, Outcome, accounts_page, require_manager};
use super::i18n_pages::PageTexts;
use super::page::{Chrome, WebError, render};
use super::session::WebUser;
use crate::addon::{ActivateError, activate, pending_setups};
use crate::app::AppState;

#[derive(Debug, Deserialize)]
pub struct ActivateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    package: String,
    /// A checkbox: accept that moving up from small makes recipients opt in again (R3).
    reset_opt_ins: Option<String>,
}

/// `POST /admin/accounts/{id}/whatsapp`.
pub async fn activate_addon(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
    Form(form): Form<ActivateForm>,
) -> Result<Response, WebError> {
    require_manager(&user)?;
    user.check_csrf(&form.csrf)?;
    let account = match state.store.account(AccountId(id)).await {
        Ok(a) => a,
        Err(bote_store::StoreError::NotFound(_)) => return Err(WebError::NotFound(user.lang)),
        Err(e) => return Err(e.into()),
    };
    let s = PageTexts::of(user.lang);
    let outcome = match form.package.parse::<Package>() {
        Err(e) => Outcome {
            done: None,
            error: Some(format!("package: {e}")),
        },
        Ok(package) => match activate(
            state.store.as_ref(),
            state.config.default_time_zone,
            account.id,
            package,
            Some(user.user.id),
            form.reset_opt_ins.is_some(),
        )
        .await
        {
            Ok(done) => Outcome {
                done: Some(format!(
                    "{}: WhatsApp {} · {} {}",
                    account.name, done.addon.package, s.expected_on, done.addon.expected_on
                )),
                error: None,
            },
            Err(e @ ActivateError::UpgradeNeedsNewOptIns { .. }) => Outcome {
                done: None,
                error: Some(format!("{}: {e}", account.name)),
            },
            Err(ActivateError::Store(e)) => return Err(e.into()),
        },
    };
    accounts_page(&state, &user, outcome, AccountForm::default()).await
}

struct PendingRow {
    account: i64,
    name: String,
    package: &'static str,
    activated: String,
    expected_on: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "admin_pending.html")]
struct PendingPage {
    chrome: Chrome,
    s: &'static PageTexts,
    rows: Vec<PendingRow>,
}

/// `GET /admin/pending`: the soonest expected first; overdue ones stand out.
pub async fn pending(State(state): State<AppState>, user: WebUser) -> Result<Response, WebError> {
    require_manager(&user)?;
    let rows = pending_setups(state.store.as_ref(), state.config.default_time_zone)
        .await?
        .into_iter()
        .map(|p| PendingRow {
            account: p.account.0,
            name: p.account_name,
            package: p.package.as_str(),
            activated: p.activated_at.format("%Y-%m-%d").to_string(),
            expected_on: p.expected_on.to_string(),
            overdue: p.overdue,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &PendingPage {
            chrome: Chrome::for_user(&user, "/admin/pending"),
            s: PageTexts::of(user.lang),
            rows,
        },
    ))
}
