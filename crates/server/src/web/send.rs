//! The send page (R16, R19, R22): the channel is chosen first, then text and recipients;
//! a preview through `sending::preview` (the same checks and expansion as the real send,
//! rolled back) shows the counts, skipped recipients with reasons, the SMS encoding and
//! segments and the R19 warning; only then is the send accepted. A detail page shows the
//! send's messages counted by status.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bote_domain::{AccountId, ChannelKind, SendId};
use bote_store::{MAX_LISTED_SKIPS, StoreError};
use serde::Deserialize;

use super::page::{Chrome, WebError, render};
use super::session::WebUser;
use crate::api::{ApiError, input};
use crate::app::AppState;
use crate::sending::{SendError, SendRequest, SendSpec, accept, preview};

#[derive(Debug, Default, Deserialize)]
pub struct ChannelParam {
    channel: Option<String>,
}

/// What the form carries through the preview to the send.
#[derive(Debug, Default, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    text: String,
    /// Numbers, one per line or separated by commas.
    #[serde(default)]
    numbers: String,
    /// Group codes, separated by commas or spaces.
    #[serde(default)]
    groups: String,
}

struct Skip {
    recipient: String,
    reason: &'static str,
}

/// The preview's findings.
struct Findings {
    accepted: u64,
    skipped: Vec<Skip>,
    /// Skipped recipients beyond those listed.
    skipped_more: u64,
    by_reason: Vec<(&'static str, u64)>,
    encoding: Option<&'static str>,
    segments: Option<usize>,
    chars: Option<usize>,
    personalised: bool,
    /// R19: recipients with numbers on both channels.
    on_both_channels: u64,
}

#[derive(Template)]
#[template(path = "send.html")]
struct SendPage {
    chrome: Chrome,
    /// `None`: the channel is still to be chosen (R16).
    channel: Option<&'static str>,
    form: SendForm,
    error: Option<String>,
    findings: Option<Findings>,
}

#[derive(Template)]
#[template(path = "send_detail.html")]
struct DetailPage {
    chrome: Chrome,
    id: i64,
    channel: &'static str,
    state: &'static str,
    created: String,
    text: String,
    counts: Vec<(&'static str, u64)>,
    total: u64,
}

fn account(user: &WebUser) -> Result<AccountId, WebError> {
    user.user.account_id.ok_or(WebError::Forbidden(user.lang))
}

fn channel_of(text: &str) -> Option<ChannelKind> {
    text.parse().ok()
}

fn page(user: &WebUser, channel: Option<ChannelKind>, form: SendForm) -> SendPage {
    SendPage {
        chrome: Chrome::for_user(user, "/send"),
        channel: channel.map(|c| c.as_str()),
        form,
        error: None,
        findings: None,
    }
}

/// `GET /send`: the channel choice, or (with `?channel=`) the form for that channel.
pub async fn show(user: WebUser, Query(param): Query<ChannelParam>) -> Result<Response, WebError> {
    account(&user)?;
    let channel = param.channel.as_deref().and_then(channel_of);
    let form = SendForm {
        channel: channel.map(|c| c.as_str().to_owned()).unwrap_or_default(),
        ..SendForm::default()
    };
    Ok(render(StatusCode::OK, &page(&user, channel, form)))
}

/// The request a form describes, checked as the API checks it.
fn request(channel: ChannelKind, form: &SendForm) -> Result<SendRequest, ApiError> {
    let numbers = form
        .numbers
        .split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    let groups: Vec<String> = form
        .groups
        .split([',', ' '])
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .collect();
    let text = form.text.trim();
    Ok(SendRequest {
        channel,
        spec: SendSpec {
            text: (!text.is_empty()).then(|| form.text.replace("\r\n", "\n")),
            ..SendSpec::default()
        },
        numbers,
        contacts: Vec::new(),
        groups: input::group_codes("groups", &groups)?,
        schedule_at: None,
        client_message_id: None,
        callback_url: None,
        test: false,
        source: "web",
    })
}

/// A refused send as the form shows it; store failures are errors of the page.
fn refusal(e: SendError) -> Result<String, WebError> {
    match e {
        SendError::Store(StoreError::Backend(b)) => Err(WebError::Store(StoreError::Backend(b))),
        other => {
            let e = ApiError::from(other);
            Ok(match e.field {
                Some(field) => format!("{field}: {}", e.message),
                None => e.message,
            })
        }
    }
}

fn with_error(user: &WebUser, channel: ChannelKind, form: SendForm, error: String) -> Response {
    let mut p = page(user, Some(channel), form);
    p.error = Some(error);
    render(StatusCode::UNPROCESSABLE_ENTITY, &p)
}

/// `POST /send/preview`: what the send would do; nothing is kept.
pub async fn check(
    State(state): State<AppState>,
    user: WebUser,
    Form(form): Form<SendForm>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    let Some(channel) = channel_of(&form.channel) else {
        return Ok(Redirect::to("/send").into_response());
    };
    let request = match request(channel, &form) {
        Ok(r) => r,
        Err(e) => return Ok(with_error(&user, channel, form, e.message)),
    };
    let previewed =
        match preview(&*state.store, account, state.config.default_region, request).await {
            Ok(p) => p,
            Err(e) => return Ok(with_error(&user, channel, form, refusal(e)?)),
        };
    let a = &previewed.preview.acceptance;
    let listed = a.skipped.len() as u64;
    let total_skipped: u64 = a.skipped_by_reason.values().sum();
    let findings = Findings {
        accepted: a.accepted,
        skipped: a
            .skipped
            .iter()
            .map(|s| Skip {
                recipient: s.recipient.clone(),
                reason: s.reason.as_str(),
            })
            .collect(),
        skipped_more: total_skipped.saturating_sub(listed.min(MAX_LISTED_SKIPS as u64)),
        by_reason: a
            .skipped_by_reason
            .iter()
            .map(|(r, n)| (r.as_str(), *n))
            .collect(),
        encoding: previewed.sms.as_ref().map(|s| match s.encoding {
            bote_domain::sms::SmsEncoding::Gsm7 => "GSM-7",
            bote_domain::sms::SmsEncoding::Ucs2 => "UCS-2",
        }),
        segments: previewed.sms.as_ref().map(|s| s.segments),
        chars: previewed.sms.as_ref().map(|s| s.chars),
        personalised: previewed.personalised,
        on_both_channels: previewed.preview.on_both_channels,
    };
    let mut p = page(&user, Some(channel), form);
    p.findings = Some(findings);
    Ok(render(StatusCode::OK, &p))
}

/// `POST /send`: accepts the send and shows its page.
pub async fn submit(
    State(state): State<AppState>,
    user: WebUser,
    Form(form): Form<SendForm>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    let Some(channel) = channel_of(&form.channel) else {
        return Ok(Redirect::to("/send").into_response());
    };
    let request = match request(channel, &form) {
        Ok(r) => r,
        Err(e) => return Ok(with_error(&user, channel, form, e.message)),
    };
    match accept(&*state.store, account, state.config.default_region, request).await {
        Ok(accepted) => {
            let id = accepted.acceptance.send.id.0;
            Ok(Redirect::to(&format!("/sends/{id}")).into_response())
        }
        Err(e) => Ok(with_error(&user, channel, form, refusal(e)?)),
    }
}

/// `GET /sends/{id}`: the send and its messages counted by status.
pub async fn detail(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    let send = match state.store.send_record(account, SendId(id)).await {
        Ok(s) => s,
        Err(StoreError::NotFound(_)) => return Err(WebError::NotFound(user.lang)),
        Err(e) => return Err(e.into()),
    };
    let counts: Vec<(&'static str, u64)> =
        send.counts.iter().map(|(s, n)| (s.as_str(), *n)).collect();
    Ok(render(
        StatusCode::OK,
        &DetailPage {
            chrome: Chrome::for_user(&user, &format!("/sends/{id}")),
            id,
            channel: send.channel.as_str(),
            state: send.state.as_str(),
            created: send.created_at.format("%Y-%m-%d %H:%M").to_string(),
            text: send.content["text"].as_str().unwrap_or_default().to_owned(),
            total: counts.iter().map(|(_, n)| n).sum(),
            counts,
        },
    ))
}
