//! The settings page's account form: the account's time zone and the logged-in user's own
//! email address, checked as the API checks them (`api::input::time_zone`,
//! `accounts::checked_email`), saved together.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use bote_store::{Account, User};
use serde::Deserialize;

use super::page::WebError;
use super::refusal::refusal;
use super::session::WebUser;
use super::settings::{Kept, Outcome, account, page};
use crate::accounts::checked_email;
use crate::api::{ApiError, input};
use crate::app::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    csrf: String,
    /// An IANA name; empty: the server's default.
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub email: String,
}

impl AccountForm {
    /// What is kept: the account's own zone and the user's address.
    pub fn of(account: &Account, user: &User) -> AccountForm {
        AccountForm {
            csrf: String::new(),
            time_zone: account
                .time_zone
                .map(|z| z.name().to_owned())
                .unwrap_or_default(),
            email: user.email.clone().unwrap_or_default(),
        }
    }
}

/// `POST /settings/account`: nothing is saved unless both values are good.
pub async fn save(
    State(state): State<AppState>,
    user: WebUser,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    let checked = input::time_zone("time_zone", Some(&form.time_zone)).and_then(|zone| {
        let email = checked_email(Some(&form.email)).map_err(ApiError::from)?;
        Ok((zone, email))
    });
    match checked {
        Ok((zone, email)) => {
            state.store.set_account_time_zone(account, zone).await?;
            state
                .store
                .set_user_email(user.user.id, email.as_deref())
                .await?;
            Ok(Redirect::to("/settings?saved=1#account").into_response())
        }
        Err(e) => {
            let kept = Kept {
                account: Some(form),
                ..Kept::default()
            };
            page(&state, &user, kept, Outcome::refused(refusal(e))).await
        }
    }
}
