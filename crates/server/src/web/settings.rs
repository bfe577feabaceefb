//! The settings page: the account's time zone and the user's email address
//! (`settings_account`), the account's API tokens (created with a scope, the secret shown
//! once, revoked), where inbound messages are forwarded, and the keyword words and replies.
//! Every write goes through the function the API uses, so both refuse the same input with
//! the same message.

use std::time::Duration;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use bote_domain::{AccountId, TokenId, TokenScope};
use bote_store::{KeywordReplies, KeywordSettings, StoreError};
use serde::Deserialize;

use super::i18n_pages::PageTexts;
use super::page::{Chrome, WebError, render};
use super::refusal::refusal;
use super::session::{CsrfForm, WebUser, cookie, is_https, removal};
use super::settings_account::AccountForm;
use super::zone_choice::ZoneChoice;
use crate::accounts::create_token;
use crate::api::keyword_settings::checked;
use crate::api::settings::checked_callback_url;
use crate::app::AppState;

/// Longest token name.
const MAX_TOKEN_NAME: usize = 64;

struct TokenRow {
    id: i64,
    name: String,
    scope: &'static str,
    prefix: String,
    created: String,
    revoked: Option<String>,
}

/// The keyword form's fields: words one line or comma apart, empty replies send nothing.
#[derive(Debug, Default, Deserialize)]
pub struct KeywordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    start_words: String,
    #[serde(default)]
    stop_words: String,
    #[serde(default)]
    opted_in: String,
    #[serde(default)]
    stopped: String,
    #[serde(default)]
    joined: String,
    #[serde(default)]
    left: String,
    #[serde(default)]
    unknown_code: String,
    #[serde(default)]
    not_a_keyword: String,
    /// A checkbox: present when ticked.
    sms_keywords: Option<String>,
}

impl KeywordForm {
    fn of(k: &KeywordSettings) -> KeywordForm {
        let text = |t: &Option<String>| t.clone().unwrap_or_default();
        KeywordForm {
            csrf: String::new(),
            start_words: k.start_words.join(", "),
            stop_words: k.stop_words.join(", "),
            opted_in: text(&k.replies.opted_in),
            stopped: text(&k.replies.stopped),
            joined: text(&k.replies.joined),
            left: text(&k.replies.left),
            unknown_code: text(&k.replies.unknown_code),
            not_a_keyword: text(&k.replies.not_a_keyword),
            sms_keywords: k.sms_keywords.then(|| "on".to_owned()),
        }
    }

    fn settings(&self) -> KeywordSettings {
        let words = |w: &str| {
            w.split([',', '\n', ' '])
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let reply = |t: &str| Some(t.trim().to_owned()).filter(|t| !t.is_empty());
        KeywordSettings {
            start_words: words(&self.start_words),
            stop_words: words(&self.stop_words),
            replies: KeywordReplies {
                opted_in: reply(&self.opted_in),
                stopped: reply(&self.stopped),
                joined: reply(&self.joined),
                left: reply(&self.left),
                unknown_code: reply(&self.unknown_code),
                not_a_keyword: reply(&self.not_a_keyword),
            },
            sms_keywords: self.sms_keywords.is_some(),
        }
    }
}

/// What the page says above its forms after a write.
#[derive(Default)]
pub(super) struct Outcome {
    /// The secret of a token just created: shown this once.
    secret: Option<String>,
    saved: bool,
    error: Option<String>,
}

impl Outcome {
    /// A form was refused: `error` says why.
    pub(super) fn refused(error: String) -> Outcome {
        Outcome {
            error: Some(error),
            ..Outcome::default()
        }
    }
}

/// A refused form's input, shown again instead of what is kept.
#[derive(Default)]
pub(super) struct Kept {
    pub(super) keywords: Option<KeywordForm>,
    pub(super) inbound_url: Option<String>,
    pub(super) account: Option<AccountForm>,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    s: &'static PageTexts,
    tokens: Vec<TokenRow>,
    scopes: &'static [TokenScope],
    inbound_url: String,
    keywords: KeywordForm,
    account: AccountForm,
    zone_choice: ZoneChoice,
    outcome: Outcome,
}

pub(super) fn account(user: &WebUser) -> Result<AccountId, WebError> {
    user.user.account_id.ok_or(WebError::Forbidden(user.lang))
}

/// Renders the page; `kept` holds a refused form's input.
pub(super) async fn page(
    state: &AppState,
    user: &WebUser,
    kept: Kept,
    outcome: Outcome,
) -> Result<Response, WebError> {
    let account = account(user)?;
    let mut tokens = state.store.list_tokens(account).await?;
    tokens.sort_by_key(|t| (t.revoked_at.is_some(), std::cmp::Reverse(t.id.0)));
    let keywords = match kept.keywords {
        Some(k) => k,
        None => KeywordForm::of(&state.store.keyword_settings(account).await?),
    };
    let account_form = match kept.account {
        Some(a) => a,
        None => AccountForm::of(&state.store.account(account).await?, &user.user),
    };
    let inbound_url = match kept.inbound_url {
        Some(url) => url,
        None => state
            .store
            .inbound_callback_url(account)
            .await?
            .unwrap_or_default(),
    };
    let status = if outcome.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(
        status,
        &SettingsPage {
            chrome: Chrome::for_user(user, "/settings"),
            s: PageTexts::of(user.lang),
            tokens: tokens
                .iter()
                .map(|t| TokenRow {
                    id: t.id.0,
                    name: t.name.clone(),
                    scope: t.scope.as_str(),
                    prefix: t.prefix.clone(),
                    created: t.created_at.format("%Y-%m-%d").to_string(),
                    revoked: t.revoked_at.map(|r| r.format("%Y-%m-%d").to_string()),
                })
                .collect(),
            scopes: TokenScope::ALL,
            inbound_url,
            keywords,
            zone_choice: ZoneChoice::new(&account_form.time_zone, state.config.default_time_zone),
            account: account_form,
            outcome,
        },
    ))
}

/// Carries a new token's secret from the form's POST to the page it redirects to, once:
/// the page removes it, so neither a reload nor the back button shows or re-creates it.
const NEW_TOKEN_COOKIE: &str = "bote_new_token";

#[derive(Debug, Default, Deserialize)]
pub struct ShowParams {
    saved: Option<String>,
}

/// `GET /settings`; `?saved=1` after a form was saved.
pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    jar: CookieJar,
    Query(params): Query<ShowParams>,
) -> Result<Response, WebError> {
    let secret = jar.get(NEW_TOKEN_COOKIE).map(|c| c.value().to_owned());
    let outcome = Outcome {
        saved: params.saved.is_some(),
        secret: secret.clone(),
        error: None,
    };
    let page = page(&state, &user, Kept::default(), outcome).await?;
    Ok(match secret {
        Some(_) => (
            jar.add(removal(NEW_TOKEN_COOKIE)),
            [(axum::http::header::CACHE_CONTROL, "no-store")],
            page,
        )
            .into_response(),
        None => page,
    })
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
}

/// `POST /settings/tokens`: a new token; the page it redirects to shows its secret, which
/// is never stored and so never shown again.
pub async fn create(
    State(state): State<AppState>,
    user: WebUser,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    let name = form.name.trim();
    let scope = form.scope.parse::<TokenScope>();
    let error = if name.is_empty()
        || name.chars().count() > MAX_TOKEN_NAME
        || name.chars().any(char::is_control)
    {
        Some(format!(
            "name: 1 to {MAX_TOKEN_NAME} characters without control characters"
        ))
    } else {
        scope.as_ref().err().map(|e| format!("scope: {e}"))
    };
    if let Some(error) = error {
        return page(&state, &user, Kept::default(), Outcome::refused(error)).await;
    }
    let scope = scope.expect("checked above");
    let (_, secret) = create_token(state.store.as_ref(), account, name, scope)
        .await
        .map_err(|e| match e {
            crate::accounts::AccountError::Store(s) => s,
            other => StoreError::Backend(anyhow::anyhow!(other)),
        })?;
    let flash = cookie(
        NEW_TOKEN_COOKIE,
        secret,
        is_https(&headers),
        Duration::from_secs(60),
    );
    Ok((jar.add(flash), Redirect::to("/settings#tokens")).into_response())
}

/// `POST /settings/tokens/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    match state.store.revoke_token(account, TokenId(id)).await {
        Ok(_) => Ok(Redirect::to("/settings").into_response()),
        Err(StoreError::NotFound(_)) => Err(WebError::NotFound(user.lang)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct CallbackForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    inbound_url: String,
}

/// `POST /settings/callbacks`: an empty URL stops forwarding.
pub async fn callbacks(
    State(state): State<AppState>,
    user: WebUser,
    Form(form): Form<CallbackForm>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    let raw = Some(form.inbound_url.trim()).filter(|u| !u.is_empty());
    match checked_callback_url(raw) {
        Ok(url) => {
            state
                .store
                .set_inbound_callback_url(account, url.as_deref())
                .await?;
            Ok(Redirect::to("/settings?saved=1").into_response())
        }
        Err(e) => {
            let kept = Kept {
                inbound_url: Some(form.inbound_url),
                ..Kept::default()
            };
            page(&state, &user, kept, Outcome::refused(refusal(e))).await
        }
    }
}

/// `POST /settings/keywords`: replaces the words and replies as the API's PUT does.
pub async fn keywords(
    State(state): State<AppState>,
    user: WebUser,
    Form(form): Form<KeywordForm>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    match checked(form.settings()) {
        Ok(settings) => {
            state.store.set_keyword_settings(account, &settings).await?;
            Ok(Redirect::to("/settings?saved=1").into_response())
        }
        Err(e) => {
            let kept = Kept {
                keywords: Some(form),
                ..Kept::default()
            };
            page(&state, &user, kept, Outcome::refused(refusal(e))).await
        }
    }
}
