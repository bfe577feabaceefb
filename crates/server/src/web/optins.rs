//! The WhatsApp opt-ins pages (R9, R13): the account's active opt-ins with number, business
//! number, source and date, searchable by number and paged; the consent ledger of a number;
//! revoking an opt-in after a confirm step; CSV exports of the list and of a ledger.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use bote_domain::{AccountId, PhoneNumber};
use bote_store::{ConsentSource, OptIn, SourceKind};
use serde::Deserialize;

use super::i18n_pages::PageTexts;
use super::page::{Chrome, WebError, render};
use super::session::{CsrfForm, WebUser};
use crate::api::input;
use crate::api::optins::ledger_csv;
use crate::app::AppState;

/// Opt-ins on one page of the list.
const PAGE: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    q: String,
    before: Option<i64>,
}

struct Row {
    number: String,
    /// The number percent-encoded for links.
    key: String,
    business_number: String,
    source: &'static str,
    given: String,
}

impl Row {
    fn from(o: &OptIn) -> Row {
        Row {
            number: o.number.as_str().to_owned(),
            key: encode(o.number.as_str()),
            business_number: o.business_number.clone().unwrap_or_default(),
            source: o.source.as_str(),
            given: o.given_at.format("%Y-%m-%d %H:%M").to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "optins.html")]
struct ListPage {
    chrome: Chrome,
    s: &'static PageTexts,
    q: String,
    rows: Vec<Row>,
    active: u64,
    error: Option<String>,
    next: Option<i64>,
}

struct LedgerRow {
    at: String,
    event: &'static str,
    source: &'static str,
    reference: String,
    business_number: String,
    group: String,
    text: String,
}

#[derive(Template)]
#[template(path = "optin_ledger.html")]
struct LedgerPage {
    chrome: Chrome,
    s: &'static PageTexts,
    number: String,
    key: String,
    active: Option<Row>,
    rows: Vec<LedgerRow>,
}

#[derive(Template)]
#[template(path = "optin_revoke.html")]
struct ConfirmPage {
    chrome: Chrome,
    s: &'static PageTexts,
    opt_in: Row,
}

fn account(user: &WebUser) -> Result<AccountId, WebError> {
    user.user.account_id.ok_or(WebError::Forbidden(user.lang))
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The number of a page's path; one that is no phone number has no page.
fn number(state: &AppState, user: &WebUser, raw: &str) -> Result<PhoneNumber, WebError> {
    match input::phone("number", Some(raw), state.config.default_region) {
        Ok(Some(n)) => Ok(n),
        _ => Err(WebError::NotFound(user.lang)),
    }
}

/// `GET /optins`: newest first; `q` finds the opt-in of one number.
pub async fn list(
    State(state): State<AppState>,
    user: WebUser,
    Query(params): Query<ListParams>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    let mut error = None;
    let (rows, next) = match params.q.trim() {
        "" => {
            let page = state
                .store
                .list_opt_ins(account, params.before, PAGE)
                .await?;
            (page.items.iter().map(Row::from).collect(), page.next_after)
        }
        q => match input::phone("q", Some(q), state.config.default_region) {
            Ok(Some(n)) => {
                let found = state.store.active_opt_in(account, &n).await?;
                (found.iter().map(Row::from).collect(), None)
            }
            Ok(None) => (Vec::new(), None),
            Err(e) => {
                error = Some(e.message);
                (Vec::new(), None)
            }
        },
    };
    Ok(render(
        StatusCode::OK,
        &ListPage {
            chrome: Chrome::for_user(&user, "/optins"),
            s: PageTexts::of(user.lang),
            active: state.store.active_opt_in_count(account).await?,
            q: params.q,
            rows,
            error,
            next,
        },
    ))
}

/// `GET /optins/{number}`: the number's consent ledger, oldest first.
pub async fn ledger(
    State(state): State<AppState>,
    user: WebUser,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    let number = number(&state, &user, &raw)?;
    let entries = state.store.consent_ledger(account, &number).await?;
    let active = state.store.active_opt_in(account, &number).await?;
    if entries.is_empty() && active.is_none() {
        return Err(WebError::NotFound(user.lang));
    }
    let rows = entries
        .iter()
        .map(|e| LedgerRow {
            at: e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            event: e.event.as_str(),
            source: e.source.as_str(),
            reference: e.reference.clone().unwrap_or_default(),
            business_number: e.business_number.clone().unwrap_or_default(),
            group: e
                .group
                .as_ref()
                .map(|g| g.as_str().to_owned())
                .unwrap_or_default(),
            text: e.text.clone().unwrap_or_default(),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &LedgerPage {
            chrome: Chrome::for_user(&user, "/optins"),
            s: PageTexts::of(user.lang),
            key: encode(number.as_str()),
            number: number.as_str().to_owned(),
            active: active.as_ref().map(Row::from),
            rows,
        },
    ))
}

/// `GET /optins/{number}/ledger.csv`: the ledger as the API's CSV (proof of consent).
pub async fn ledger_export(
    State(state): State<AppState>,
    user: WebUser,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    let number = number(&state, &user, &raw)?;
    let entries = state.store.consent_ledger(account, &number).await?;
    let body = ledger_csv(&entries).map_err(bote_store::StoreError::Backend)?;
    let name = format!("consent-{}.csv", number.as_str().trim_start_matches('+'));
    Ok(csv_download(&name, body))
}

/// `GET /optins/export`: every active opt-in as CSV, newest first.
pub async fn export(State(state): State<AppState>, user: WebUser) -> Result<Response, WebError> {
    let account = account(&user)?;
    let mut out = csv::Writer::from_writer(Vec::new());
    write(
        &mut out,
        ["number", "business_number", "source", "given_at"],
    )?;
    let mut before = None;
    loop {
        let page = state.store.list_opt_ins(account, before, 1000).await?;
        for o in &page.items {
            let given = o
                .given_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            write(
                &mut out,
                [
                    o.number.as_str(),
                    o.business_number.as_deref().unwrap_or_default(),
                    o.source.as_str(),
                    &given,
                ],
            )?;
        }
        match page.next_after {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    let bytes = out
        .into_inner()
        .map_err(|e| bote_store::StoreError::Backend(anyhow::anyhow!("{e}")))?;
    let body = String::from_utf8(bytes).map_err(|e| bote_store::StoreError::Backend(e.into()))?;
    Ok(csv_download("opt-ins.csv", body))
}

fn write(out: &mut csv::Writer<Vec<u8>>, record: [&str; 4]) -> Result<(), WebError> {
    out.write_record(record)
        .map_err(|e| WebError::Store(bote_store::StoreError::Backend(e.into())))
}

fn csv_download(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /optins/{number}/revoke`: asks before the opt-in ends (R13).
pub async fn confirm(
    State(state): State<AppState>,
    user: WebUser,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    let number = number(&state, &user, &raw)?;
    let Some(opt_in) = state.store.active_opt_in(account, &number).await? else {
        return Err(WebError::NotFound(user.lang));
    };
    Ok(render(
        StatusCode::OK,
        &ConfirmPage {
            chrome: Chrome::for_user(&user, "/optins"),
            s: PageTexts::of(user.lang),
            opt_in: Row::from(&opt_in),
        },
    ))
}

/// `POST /optins/{number}/revoke`: the business ends the opt-in (R13); the ledger names the
/// user who did it, as the API does.
pub async fn revoke(
    State(state): State<AppState>,
    user: WebUser,
    Path(raw): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    let number = number(&state, &user, &raw)?;
    let source = ConsentSource {
        kind: SourceKind::User,
        reference: Some(format!("user {}", user.user.id.0)),
        text: None,
        business_number: None,
    };
    if state.store.revoke_opt_in(account, &number, source).await? {
        Ok(Redirect::to(&format!("/optins/{}", encode(number.as_str()))).into_response())
    } else {
        Err(WebError::NotFound(user.lang))
    }
}
