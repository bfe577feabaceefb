//! The account managers' area (`/admin`, 403 for anyone else): every account with its kind,
//! trial end, time zone and WhatsApp package, a form to create a test or business account
//! (with its own time zone and its first owner and their email address, if given), and per
//! account a form to activate WhatsApp with a package. Pending setups and business numbers
//! have their own pages (`admin_whatsapp`, `admin_numbers`).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use bote_domain::{AccountKind, Package, UserRole};
use bote_store::AddonState;
use serde::Deserialize;

use super::i18n_pages::PageTexts;
use super::page::{Chrome, WebError, render};
use super::refusal::refusal;
use super::session::WebUser;
use super::zone_choice::ZoneChoice;
use crate::accounts::{AccountError, add_user, checked_email, create_account};
use crate::api::{ApiError, input};
use crate::app::AppState;

struct AccountRow {
    id: i64,
    name: String,
    kind: String,
    trial_ends: String,
    /// The account's own zone; empty when it follows the server's default.
    time_zone: &'static str,
    created: String,
    /// `package` or `package (pending until date)`; empty without the add-on.
    whatsapp: String,
    /// The package the form offers first: the current one, else small.
    package: &'static str,
}

/// What the page says above the list after a write.
#[derive(Default)]
pub struct Outcome {
    pub done: Option<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    chrome: Chrome,
    s: &'static PageTexts,
    accounts: Vec<AccountRow>,
    packages: &'static [Package],
    outcome: Outcome,
    form: AccountForm,
    /// The new account's time zone.
    zone_choice: ZoneChoice,
}

/// Account managers only: everyone else is answered 403.
pub fn require_manager(user: &WebUser) -> Result<(), WebError> {
    if user.is_account_manager() {
        Ok(())
    } else {
        Err(WebError::Forbidden(user.lang))
    }
}

/// The accounts page with `outcome` above the list; `form` keeps a refused form's input.
pub async fn accounts_page(
    state: &AppState,
    user: &WebUser,
    outcome: Outcome,
    form: AccountForm,
) -> Result<Response, WebError> {
    let addons = state.store.whatsapp_addons().await?;
    let accounts = state
        .store
        .list_accounts()
        .await?
        .into_iter()
        .map(|a| AccountRow {
            package: addons
                .iter()
                .find(|w| w.account == a.id)
                .map_or("small", |w| w.package.as_str()),
            whatsapp: addons
                .iter()
                .find(|w| w.account == a.id)
                .map(|w| match w.state {
                    AddonState::Pending => format!("{} ({})", w.package, w.expected_on),
                    _ => w.package.to_string(),
                })
                .unwrap_or_default(),
            id: a.id.0,
            name: a.name,
            kind: a.kind.as_str().to_owned(),
            trial_ends: a
                .trial_ends_at
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            time_zone: a.time_zone.map(|z| z.name()).unwrap_or_default(),
            created: a.created_at.format("%Y-%m-%d").to_string(),
        })
        .collect();
    let status = if outcome.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(
        status,
        &AdminPage {
            chrome: Chrome::for_user(user, "/admin"),
            s: PageTexts::of(user.lang),
            accounts,
            packages: Package::ALL,
            outcome,
            zone_choice: ZoneChoice::new(&form.time_zone, state.config.default_time_zone),
            form,
        },
    ))
}

/// `GET /admin`.
pub async fn show(State(state): State<AppState>, user: WebUser) -> Result<Response, WebError> {
    require_manager(&user)?;
    accounts_page(&state, &user, Outcome::default(), AccountForm::default()).await
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    verified_number: String,
    /// An IANA name; empty: the server's default.
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    password: String,
    /// The owner's own email address, optional.
    #[serde(default)]
    owner_email: String,
}

/// `POST /admin/accounts`: a test account needs the number it may send to (R5); an owner
/// given with the account can log in at once.
pub async fn create(
    State(state): State<AppState>,
    user: WebUser,
    Form(mut form): Form<AccountForm>,
) -> Result<Response, WebError> {
    require_manager(&user)?;
    user.check_csrf(&form.csrf)?;
    let outcome = match created(&state, &form).await? {
        Ok(done) => {
            form = AccountForm::default();
            Outcome {
                done: Some(done),
                error: None,
            }
        }
        Err(error) => {
            form.password.clear();
            Outcome {
                done: None,
                error: Some(error),
            }
        }
    };
    accounts_page(&state, &user, outcome, form).await
}

/// Creates what the form describes: `Ok(Err(message))` when the input is refused.
async fn created(state: &AppState, form: &AccountForm) -> Result<Result<String, String>, WebError> {
    let kind = match form.kind.parse::<AccountKind>() {
        Ok(kind) => kind,
        Err(e) => return Ok(Err(format!("kind: {e}"))),
    };
    let number = match input::phone(
        "verified_number",
        Some(&form.verified_number),
        state.config.default_region,
    ) {
        Ok(n) => n,
        Err(e) => return Ok(Err(refusal(e))),
    };
    let zone = match input::time_zone("time_zone", Some(&form.time_zone)) {
        Ok(z) => z,
        Err(e) => return Ok(Err(refusal(e))),
    };
    let owner = form.owner.trim();
    if !owner.is_empty() && form.password.chars().count() < 8 {
        return Ok(Err(AccountError::WeakPassword.to_string()));
    }
    if owner.is_empty() && !form.owner_email.trim().is_empty() {
        return Ok(Err(
            "owner: the email address is the owner's; give their user name".into(),
        ));
    }
    if let Err(e) = checked_email(Some(&form.owner_email)) {
        return account_refusal(e);
    }
    let account = match create_account(state.store.as_ref(), &form.name, kind, number, zone).await {
        Ok(a) => a,
        Err(e) => return account_refusal(e),
    };
    if !owner.is_empty()
        && let Err(e) = add_user(
            state.store.as_ref(),
            Some(account.id),
            owner,
            form.password.clone(),
            UserRole::Owner,
            Some(&form.owner_email),
        )
        .await
    {
        return account_refusal(e);
    }
    Ok(Ok(account.name))
}

/// An [`AccountError`] as the API would word it; a store failure stays an error page.
fn account_refusal<T>(e: AccountError) -> Result<Result<T, String>, WebError> {
    let e = ApiError::from(e);
    if e.status.is_server_error() {
        return Err(WebError::Store(bote_store::StoreError::Backend(
            anyhow::anyhow!(e.message),
        )));
    }
    Ok(Err(refusal(e)))
}
