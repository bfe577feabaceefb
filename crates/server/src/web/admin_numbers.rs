//! Account managers register business numbers for an account (R4): SMS numbers and
//! WhatsApp numbers, the latter optionally with the Cloud API credentials they send with.
//! The list shows every registered number; credentials are never shown.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use bote_domain::ChannelKind;
use serde::Deserialize;

use super::admin::require_manager;
use super::i18n_pages::PageTexts;
use super::page::{Chrome, WebError, render};
use super::refusal::refusal;
use super::session::WebUser;
use crate::api::ApiError;
use crate::app::AppState;
use crate::numbers::{NumberInput, register_number};

struct NumberRow {
    account: String,
    channel: &'static str,
    number: String,
    cloud_api: bool,
    created: String,
}

/// The registration form; secrets are never sent back to the browser.
#[derive(Default, Deserialize)]
pub struct NumberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    phone_number_id: String,
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    app_secret: String,
    #[serde(default)]
    verify_token: String,
}

#[derive(Template)]
#[template(path = "admin_numbers.html")]
struct NumbersPage {
    chrome: Chrome,
    s: &'static PageTexts,
    accounts: Vec<String>,
    rows: Vec<NumberRow>,
    form: NumberForm,
    done: Option<String>,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    user: &WebUser,
    form: NumberForm,
    done: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let accounts = state.store.list_accounts().await?;
    let rows = state
        .store
        .business_numbers(None)
        .await?
        .into_iter()
        .map(|n| NumberRow {
            account: accounts
                .iter()
                .find(|a| a.id == n.account)
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            channel: n.channel.as_str(),
            number: n.number,
            cloud_api: n.cloud_api,
            created: n.created_at.format("%Y-%m-%d").to_string(),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(
        status,
        &NumbersPage {
            chrome: Chrome::for_user(user, "/admin/numbers"),
            s: PageTexts::of(user.lang),
            accounts: accounts.into_iter().map(|a| a.name).collect(),
            rows,
            form,
            done,
            error,
        },
    ))
}

/// `GET /admin/numbers`.
pub async fn show(State(state): State<AppState>, user: WebUser) -> Result<Response, WebError> {
    require_manager(&user)?;
    page(&state, &user, NumberForm::default(), None, None).await
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// `POST /admin/numbers`: registered as the admin API and `bote number add` do.
pub async fn add(
    State(state): State<AppState>,
    user: WebUser,
    Form(mut form): Form<NumberForm>,
) -> Result<Response, WebError> {
    require_manager(&user)?;
    user.check_csrf(&form.csrf)?;
    let account = match state.store.account_by_name(form.account.trim()).await {
        Ok(a) => a,
        Err(bote_store::StoreError::NotFound(_)) => {
            let error = format!("account: no account is named '{}'", form.account);
            return page(&state, &user, form, None, Some(error)).await;
        }
        Err(e) => return Err(e.into()),
    };
    let channel = match form.channel.parse::<ChannelKind>() {
        Ok(c) => c,
        Err(e) => {
            let error = format!("channel: {e}");
            return page(&state, &user, form, None, Some(error)).await;
        }
    };
    let input = NumberInput {
        channel: Some(channel),
        number: form.number.clone(),
        provider_ref: None,
        phone_number_id: optional(&form.phone_number_id),
        access_token: optional(&form.access_token),
        app_secret: optional(&form.app_secret),
        verify_token: optional(&form.verify_token),
        messages_per_second: None,
    };
    form.access_token.clear();
    form.app_secret.clear();
    form.verify_token.clear();
    match register_number(
        state.store.as_ref(),
        account.id,
        input,
        state.config.default_region,
    )
    .await
    {
        Ok(n) => {
            let done = format!("{}: {} {}", account.name, n.channel, n.number);
            page(&state, &user, NumberForm::default(), Some(done), None).await
        }
        Err(e) => {
            let e = ApiError::from(e);
            if e.status.is_server_error() {
                return Err(WebError::Store(bote_store::StoreError::Backend(
                    anyhow::anyhow!(e.message),
                )));
            }
            page(&state, &user, form, None, Some(refusal(e))).await
        }
    }
}
