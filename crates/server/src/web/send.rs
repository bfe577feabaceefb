//! The send page (R16, R19, R22): the channel is chosen first, then text and recipients;
//! a preview through `sending::preview` (the same checks and expansion as the real send,
//! rolled back) shows the counts, skipped recipients with reasons, the SMS encoding and
//! segments and the R19 warning; only then is the send accepted, now or at a local date and
//! time in the account's time zone. A live counter (app.js) shows characters, encoding and
//! parts while typing and names the character that forces UCS-2. The send's own page is
//! `sends`.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use bote_domain::sms::gsm7;
use bote_domain::{AccountId, ChannelKind};
use bote_store::{MAX_LISTED_SKIPS, StoreError};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::page::{Chrome, WebError, render};
use super::send_media::{Attached, media_of};
use super::session::WebUser;
use crate::accounts::account_zone;
use crate::api::{ApiError, input};
use crate::app::AppState;
use crate::sending::{Media, SendError, SendRequest, SendSpec, accept, preview};

#[derive(Debug, Default, Deserialize)]
pub struct ChannelParam {
    channel: Option<String>,
}

/// What the form carries through the preview to the send.
#[derive(Debug, Default, Deserialize)]
pub struct SendForm {
    /// A WhatsApp send's uploaded media (`send_media`), by token.
    #[serde(default)]
    media_token: String,
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
    /// Empty, or a local date and time (`2026-12-24T09:30`) in the account's time zone.
    #[serde(default)]
    schedule_at: String,
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
pub struct SendPage {
    chrome: Chrome,
    /// WhatsApp: the file attached by the upload form.
    pub media: Option<Attached>,
    /// `None`: the channel is still to be chosen (R16).
    channel: Option<&'static str>,
    form: SendForm,
    pub error: Option<String>,
    findings: Option<Findings>,
    /// The time zone `schedule_at` is read in.
    time_zone: &'static str,
    /// GSM-7 characters costing one septet, and those costing two, for the live counter.
    gsm_basic: String,
    gsm_extension: String,
}

fn account(user: &WebUser) -> Result<AccountId, WebError> {
    user.user.account_id.ok_or(WebError::Forbidden(user.lang))
}

fn channel_of(text: &str) -> Option<ChannelKind> {
    text.parse().ok()
}

/// The composer; `time_zone` is the account's, which `schedule_at` is read in.
pub fn page(
    user: &WebUser,
    channel: Option<ChannelKind>,
    form: SendForm,
    time_zone: Tz,
) -> SendPage {
    let gsm = |septets: usize| -> String {
        gsm7::all_chars()
            .filter(|&c| gsm7::septet_len(c) == Some(septets))
            .collect()
    };
    SendPage {
        chrome: Chrome::for_user(user, "/send"),
        channel: channel.map(|c| c.as_str()),
        form,
        media: None,
        error: None,
        findings: None,
        time_zone: time_zone.name(),
        gsm_basic: gsm(1),
        gsm_extension: gsm(2),
    }
}

impl SendForm {
    pub fn for_channel(channel: ChannelKind) -> SendForm {
        SendForm {
            channel: channel.as_str().to_owned(),
            ..SendForm::default()
        }
    }
}

/// `GET /send`: the channel choice, or (with `?channel=`) the form for that channel.
pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    Query(param): Query<ChannelParam>,
) -> Result<Response, WebError> {
    let zone = account_zone(&state, account(&user)?).await?;
    let channel = param.channel.as_deref().and_then(channel_of);
    let form = SendForm {
        channel: channel.map(|c| c.as_str().to_owned()).unwrap_or_default(),
        ..SendForm::default()
    };
    Ok(render(StatusCode::OK, &page(&user, channel, form, zone)))
}

/// The request a form describes, checked as the API checks it.
fn request(
    channel: ChannelKind,
    form: &SendForm,
    time_zone: Tz,
    media: Option<Media>,
) -> Result<SendRequest, ApiError> {
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
            media,
            ..SendSpec::default()
        },
        numbers,
        contacts: Vec::new(),
        groups: input::group_codes("groups", &groups)?,
        schedule_at: schedule_at(&form.schedule_at, time_zone)?,
        client_message_id: None,
        callback_url: None,
        test: false,
        source: "web",
    })
}

/// The form's local date and time in `time_zone`, as the instant the send is due.
fn schedule_at(local: &str, time_zone: Tz) -> Result<Option<DateTime<Utc>>, ApiError> {
    let local = local.trim();
    if local.is_empty() {
        return Ok(None);
    }
    let invalid = || {
        ApiError::invalid(
            "schedule_at",
            "invalid_schedule_at",
            format!("'{local}' is not a date and time in {}", time_zone.name()),
        )
    };
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| invalid())?;
    // In the hour the clocks go back, the earlier of the two; in the hour they skip, none.
    let at = time_zone
        .from_local_datetime(&naive)
        .earliest()
        .ok_or_else(invalid)?;
    Ok(Some(at.with_timezone(&Utc)))
}

/// The request a form describes with the media it attaches (WhatsApp only), or why not;
/// `schedule_at` is read in the account's `time_zone`.
async fn prepare(
    state: &AppState,
    account: AccountId,
    time_zone: Tz,
    channel: ChannelKind,
    form: &SendForm,
    headers: &HeaderMap,
) -> Result<(SendRequest, Option<Attached>), String> {
    let found = match channel {
        ChannelKind::Whatsapp => media_of(state, account, &form.media_token, headers).await?,
        _ => None,
    };
    let (media, attached) = found.unzip();
    let request = request(channel, form, time_zone, media).map_err(field_message)?;
    Ok((request, attached))
}

/// A refused send as the form shows it; store failures are errors of the page.
fn refusal(e: SendError) -> Result<String, WebError> {
    match e {
        SendError::Store(StoreError::Backend(b)) => Err(WebError::Store(StoreError::Backend(b))),
        other => Ok(field_message(ApiError::from(other))),
    }
}

/// An error as the form shows it: the field it is about, then what is wrong.
fn field_message(e: ApiError) -> String {
    match e.field {
        Some(field) => format!("{field}: {}", e.message),
        None => e.message,
    }
}

fn with_error(
    user: &WebUser,
    channel: ChannelKind,
    form: SendForm,
    time_zone: Tz,
    attached: Option<Attached>,
    error: String,
) -> Response {
    let mut p = page(user, Some(channel), form, time_zone);
    p.error = Some(error);
    p.media = attached;
    render(StatusCode::UNPROCESSABLE_ENTITY, &p)
}

/// `POST /send/preview`: what the send would do; nothing is kept.
pub async fn check(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Form(form): Form<SendForm>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    let Some(channel) = channel_of(&form.channel) else {
        return Ok(Redirect::to("/send").into_response());
    };
    let zone = account_zone(&state, account).await?;
    let (request, attached) = match prepare(&state, account, zone, channel, &form, &headers).await {
        Ok(r) => r,
        Err(e) => return Ok(with_error(&user, channel, form, zone, None, e)),
    };
    let previewed =
        match preview(&*state.store, account, state.config.default_region, request).await {
            Ok(p) => p,
            Err(e) => {
                let error = refusal(e)?;
                return Ok(with_error(&user, channel, form, zone, attached, error));
            }
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
    let mut p = page(&user, Some(channel), form, zone);
    p.findings = Some(findings);
    p.media = attached;
    Ok(render(StatusCode::OK, &p))
}

/// `POST /send`: accepts the send and shows its page.
pub async fn submit(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Form(form): Form<SendForm>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    let Some(channel) = channel_of(&form.channel) else {
        return Ok(Redirect::to("/send").into_response());
    };
    let zone = account_zone(&state, account).await?;
    let (request, attached) = match prepare(&state, account, zone, channel, &form, &headers).await {
        Ok(r) => r,
        Err(e) => return Ok(with_error(&user, channel, form, zone, None, e)),
    };
    match accept(&*state.store, account, state.config.default_region, request).await {
        Ok(accepted) => {
            let id = accepted.acceptance.send.id.0;
            Ok(Redirect::to(&format!("/sends/{id}")).into_response())
        }
        Err(e) => {
            let error = refusal(e)?;
            Ok(with_error(&user, channel, form, zone, attached, error))
        }
    }
}
