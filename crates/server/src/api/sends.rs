//! `/api/v1/sends` and `/api/v1/messages`: the native send API. The channel is chosen
//! before anything else (R16); recipients are numbers, contacts and groups (R17).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use bote_domain::sms::SmsInfo;
use bote_domain::{
    AccountId, ChannelKind, ContactId, MessageId, MessageStatus, SendId, Sender, SenderKind,
};
use bote_store::{
    Acceptance, MessageQuery, MessageRecord, SendRecord, SendState, SkipReason, Skipped,
};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::query::{PageBody, page_limit, parse_cursor};
use super::{ApiError, ApiJson, ApiQuery, ApiResult, input};
use crate::accounts::account_zone;
use crate::addon::NotActive;
use crate::app::AppState;
use crate::auth::{Read, Send, Tenant};
use crate::sending::{
    Media, Previewed, SendError, SendRequest, SendSpec, Template, WindowInput, accept, preview,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sends", get(list).post(create))
        .route("/sends/preview", post(preview_send))
        .route("/sends/{id}", get(show))
        .route("/sends/{id}/pause", post(pause))
        .route("/sends/{id}/resume", post(resume))
        .route("/sends/{id}/cancel", post(cancel))
        .route("/messages", get(messages))
        .route("/messages/{id}", get(message))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct To {
    #[serde(default)]
    numbers: Vec<String>,
    #[serde(default)]
    contacts: Vec<i64>,
    #[serde(default)]
    groups: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SenderInput {
    Plain(String),
    Typed {
        address: String,
        #[serde(rename = "type")]
        kind: SenderKind,
    },
}

/// The channel a send asks for: one of them, or "one message per person" (R19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ChannelInput {
    Sms,
    Whatsapp,
    /// WhatsApp where the recipient has an active opt-in, SMS otherwise; never both.
    WhatsappElseSms,
}

impl ChannelInput {
    fn kind(self) -> ChannelKind {
        match self {
            ChannelInput::Sms => ChannelKind::Sms,
            ChannelInput::Whatsapp | ChannelInput::WhatsappElseSms => ChannelKind::Whatsapp,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ChannelInput::Sms => "sms",
            ChannelInput::Whatsapp => "whatsapp",
            ChannelInput::WhatsappElseSms => "whatsapp_else_sms",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SendInput {
    channel: ChannelInput,
    text: Option<String>,
    media: Option<Media>,
    to: To,
    sender: Option<SenderInput>,
    schedule_at: Option<DateTime<Utc>>,
    client_message_id: Option<String>,
    callback_url: Option<String>,
    max_segments: Option<u32>,
    #[serde(default)]
    flash: bool,
    validity_secs: Option<u32>,
    #[serde(default)]
    test: bool,
    /// Days and hours in which messages may go out; `time_zone` defaults to the account's
    /// (`/settings/account`), which defaults to the server's `default_time_zone`.
    window: Option<WindowInput>,
    /// WhatsApp: send this approved template as the whole message.
    template: Option<Template>,
    /// WhatsApp: the template for recipients outside their 24-hour customer-service window.
    fallback_template: Option<Template>,
}

/// Most explicit numbers, contacts and groups one request may name.
const MAX_LISTED: usize = 10_000;

impl SendInput {
    /// The zone a window that names none is read in: the account's, looked up only then.
    async fn window_zone(&self, state: &AppState, account: AccountId) -> ApiResult<Option<Tz>> {
        match &self.window {
            Some(w) if w.time_zone.is_none() => Ok(Some(account_zone(state, account).await?)),
            _ => Ok(None),
        }
    }

    /// The request; `window_zone` stands in for a window's missing `time_zone`.
    fn into_request(self, window_zone: Option<Tz>) -> ApiResult<SendRequest> {
        let listed = self.to.numbers.len() + self.to.contacts.len() + self.to.groups.len();
        if listed > MAX_LISTED {
            return Err(ApiError::invalid(
                "to",
                "too_many",
                format!("at most {MAX_LISTED} numbers, contacts and groups per send; use a group"),
            ));
        }
        let channel = self.channel.kind();
        if channel == ChannelKind::Sms && self.media.is_some() {
            return Err(ApiError::invalid(
                "media",
                "media_on_sms",
                "media is for WhatsApp sends (R18); SMS carry text",
            ));
        }
        let sender = match self.sender {
            None => None,
            Some(SenderInput::Plain(address)) => {
                Some(parse_sender(&address, SenderKind::guess(&address))?)
            }
            Some(SenderInput::Typed { address, kind }) => Some(parse_sender(&address, kind)?),
        };
        if let Some(url) = &self.callback_url {
            let ok = url::Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !ok {
                return Err(ApiError::invalid(
                    "callback_url",
                    "invalid_url",
                    format!("'{url}' is not an http(s) URL"),
                ));
            }
        }
        if let Some(id) = &self.client_message_id
            && (id.is_empty() || id.len() > 100)
        {
            return Err(ApiError::invalid(
                "client_message_id",
                "invalid_client_message_id",
                "1 to 100 characters",
            ));
        }
        let window = self
            .window
            .map(|w| w.resolve(window_zone))
            .transpose()
            .map_err(|e| {
                ApiError::invalid(
                    &format!("window.{}", e.field),
                    "invalid_window",
                    format!("window.{e}"),
                )
            })?;
        Ok(SendRequest {
            channel,
            spec: SendSpec {
                template: self.template,
                fallback_template: self.fallback_template,
                else_sms: self.channel == ChannelInput::WhatsappElseSms,
                text: self.text,
                media: self.media,
                sender,
                flash: self.flash,
                validity_secs: self.validity_secs,
                max_segments: self.max_segments,
                window,
                ..SendSpec::default()
            },
            numbers: self.to.numbers,
            contacts: self.to.contacts.into_iter().map(ContactId).collect(),
            groups: input::group_codes("to.groups", &self.to.groups)?,
            schedule_at: self.schedule_at,
            client_message_id: self.client_message_id,
            callback_url: self.callback_url,
            test: self.test,
            source: "api",
        })
    }
}

fn parse_sender(address: &str, kind: SenderKind) -> ApiResult<Sender> {
    Sender::parse(address, kind)
        .map_err(|e| ApiError::invalid("sender", "invalid_sender", e.to_string()))
}

impl From<SendError> for ApiError {
    fn from(e: SendError) -> Self {
        let (field, code) = match &e {
            SendError::Store(_) => {
                return match e {
                    SendError::Store(s) => s.into(),
                    _ => unreachable!(),
                };
            }
            SendError::NoContent(_) => ("text", "no_content"),
            SendError::NoRecipients => ("to", "no_recipients"),
            SendError::TooManySegments { .. } => ("text", "too_many_segments"),
            SendError::TextTooLong => ("text", "text_too_long"),
            SendError::PlaceholdersOnWhatsapp => ("text", "placeholders_on_whatsapp"),
            SendError::TemplateOnSms => ("template", "template_on_sms"),
            SendError::TemplateWithContent => ("template", "template_with_content"),
            SendError::InvalidTemplate { field, source } => {
                let field = format!("{field}.{}", source.part);
                return ApiError::invalid(&field, "invalid_template", e.to_string());
            }
            SendError::FallbackForTemplate => ("fallback_template", "fallback_for_template"),
            SendError::ElseSmsContent => ("channel", "else_sms_content"),
            SendError::TrialExpired(end) => {
                return ApiError::new(StatusCode::FORBIDDEN, "trial_expired", e.to_string())
                    .with_field("account")
                    .with_details(serde_json::json!({ "trial_ended_at": end }));
            }
            SendError::WhatsappNotActive(NotActive::NotActivated) => {
                return ApiError::new(StatusCode::FORBIDDEN, "whatsapp_not_active", e.to_string())
                    .with_field("channel")
                    .with_details(serde_json::json!({ "state": "none" }));
            }
            SendError::WhatsappNotActive(NotActive::Pending {
                package,
                expected_on,
            }) => {
                let details = serde_json::json!({
                    "state": "pending", "package": package, "expected_on": expected_on,
                });
                return ApiError::new(StatusCode::FORBIDDEN, "whatsapp_not_active", e.to_string())
                    .with_field("channel")
                    .with_details(details);
            }
        };
        ApiError::invalid(field, code, e.to_string())
    }
}

#[derive(Debug, Serialize)]
struct Accepted {
    id: SendId,
    accepted: u64,
    skipped: Vec<Skipped>,
    skipped_by_reason: BTreeMap<SkipReason, u64>,
    replayed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    sms: Option<SmsInfo>,
    send: SendRecord,
}

impl Accepted {
    fn new(a: Acceptance, sms: Option<SmsInfo>) -> Self {
        Accepted {
            id: a.send.id,
            accepted: a.accepted,
            skipped: a.skipped,
            skipped_by_reason: a.skipped_by_reason,
            replayed: a.replayed,
            sms,
            send: a.send,
        }
    }
}

async fn create(
    tenant: Tenant<Send>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SendInput>,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    let zone = body.window_zone(&state, tenant.account).await?;
    let request = body.into_request(zone)?;
    let done = accept(
        state.store.as_ref(),
        tenant.account,
        state.config.default_region,
        request,
    )
    .await?;
    if done.acceptance.accepted > 0 {
        state.wake.notify_one();
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted::new(done.acceptance, done.sms)),
    ))
}

/// `POST /sends/preview`: what the same body would do at `POST /sends`, with nothing sent.
#[derive(Debug, Serialize)]
struct PreviewBody {
    channel: &'static str,
    accepted: u64,
    /// `whatsapp_else_sms`: how the accepted messages split over the channels (R19).
    #[serde(skip_serializing_if = "Option::is_none")]
    channels: Option<Split>,
    skipped: Vec<Skipped>,
    skipped_by_reason: BTreeMap<SkipReason, u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sms: Option<SmsInfo>,
    cost: Cost,
    warnings: Vec<Warning>,
}

/// Messages of a `whatsapp_else_sms` send by the channel they go out on.
#[derive(Debug, Serialize)]
struct Split {
    whatsapp: u64,
    sms: u64,
}

#[derive(Debug, Serialize)]
struct Cost {
    messages: u64,
    /// SMS: segments over all messages. Personalised texts are counted at the template's
    /// length, so the figure is an estimate (`estimate: true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    segments: Option<u64>,
    estimate: bool,
}

#[derive(Debug, Serialize)]
struct Warning {
    code: &'static str,
    rule: &'static str,
    contacts: u64,
    message: String,
}

async fn preview_send(
    tenant: Tenant<Send>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SendInput>,
) -> ApiResult<Json<PreviewBody>> {
    let asked = body.channel;
    let zone = body.window_zone(&state, tenant.account).await?;
    let request = body.into_request(zone)?;
    let channel = request.channel;
    let has_fallback = request.spec.fallback_template.is_some();
    let Previewed {
        preview,
        sms,
        personalised,
    } = preview(
        state.store.as_ref(),
        tenant.account,
        state.config.default_region,
        request,
    )
    .await?;
    let a = preview.acceptance;
    let mut warnings = Vec::new();
    if preview.outside_service_window > 0 {
        warnings.push(outside_window_warning(
            preview.outside_service_window,
            has_fallback,
        ));
    }
    let else_sms = asked == ChannelInput::WhatsappElseSms;
    let channels = else_sms.then(|| Split {
        whatsapp: a.accepted.saturating_sub(preview.by_sms_instead),
        sms: preview.by_sms_instead,
    });
    // "One message per person" never sends twice: R19 is solved, not warned about.
    if preview.on_both_channels > 0 && !else_sms {
        let (this, other) = match channel {
            ChannelKind::Sms => ("SMS", "WhatsApp"),
            ChannelKind::Whatsapp => ("WhatsApp", "SMS"),
        };
        warnings.push(Warning {
            code: "same_content_on_both_channels",
            rule: "R19",
            contacts: preview.on_both_channels,
            message: format!(
                "{} of these recipients also have a {other} number: if this content also goes \
                 out by {other}, they get it twice. Send it once, by {this} or by {other}.",
                preview.on_both_channels
            ),
        });
    }
    Ok(Json(PreviewBody {
        channel: asked.as_str(),
        accepted: a.accepted,
        channels,
        skipped: a.skipped,
        skipped_by_reason: a.skipped_by_reason,
        cost: Cost {
            messages: a.accepted,
            segments: sms.map(|info| a.accepted * info.segments as u64),
            estimate: personalised,
        },
        sms,
        warnings,
    }))
}

/// Free-form WhatsApp to recipients outside their 24-hour customer-service window.
fn outside_window_warning(n: u64, has_fallback: bool) -> Warning {
    let message = if has_fallback {
        format!(
            "{n} recipients have not written to this WhatsApp number in the last 24 hours: \
             they get the fallback template instead of this message."
        )
    } else {
        format!(
            "{n} recipients have not written to this WhatsApp number in the last 24 hours: \
             WhatsApp takes only templates for them, so their messages fail as \
             outside_service_window. Name a fallback_template to reach them."
        )
    };
    Warning {
        code: "outside_service_window",
        // Meta's rule, not one of bote's: free-form only within 24 hours of the last
        // message from the person.
        rule: "whatsapp_24h_window",
        contacts: n,
        message,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageParams {
    cursor: Option<String>,
    limit: Option<u32>,
}

async fn list(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<Json<PageBody<SendRecord>>> {
    let before = parse_cursor(params.cursor.as_deref())?.map(SendId);
    let page = state
        .store
        .list_sends(tenant.account, before, page_limit(params.limit)?)
        .await?;
    Ok(Json(page.into()))
}

async fn show(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<SendRecord>> {
    Ok(Json(
        state.store.send_record(tenant.account, SendId(id)).await?,
    ))
}

async fn change(
    state: &AppState,
    tenant: &Tenant<Send>,
    id: i64,
    to: SendState,
) -> ApiResult<Json<SendRecord>> {
    let record = state
        .store
        .set_send_state(tenant.account, SendId(id), to)
        .await?;
    if to == SendState::Active {
        state.wake.notify_one();
    }
    Ok(Json(record))
}

async fn pause(
    tenant: Tenant<Send>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<SendRecord>> {
    change(&state, &tenant, id, SendState::Paused).await
}

/// Resuming never sends a message twice: only `queued` messages go out.
async fn resume(
    tenant: Tenant<Send>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<SendRecord>> {
    change(&state, &tenant, id, SendState::Active).await
}

async fn cancel(
    tenant: Tenant<Send>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<SendRecord>> {
    change(&state, &tenant, id, SendState::Cancelled).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageParams {
    send: Option<i64>,
    number: Option<String>,
    status: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

async fn messages(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<MessageParams>,
) -> ApiResult<Json<PageBody<MessageRecord>>> {
    let status = p
        .status
        .as_deref()
        .map(|s| {
            s.parse::<MessageStatus>()
                .map_err(|e| ApiError::invalid("status", "invalid_status", e.to_string()))
        })
        .transpose()?;
    let query = MessageQuery {
        send: p.send.map(SendId),
        recipient: input::phone("number", p.number.as_deref(), state.config.default_region)?,
        status,
        after: parse_cursor(p.cursor.as_deref())?.map(MessageId),
        limit: page_limit(p.limit)?,
    };
    Ok(Json(
        state
            .store
            .list_messages(tenant.account, query)
            .await?
            .into(),
    ))
}

async fn message(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<MessageRecord>> {
    Ok(Json(
        state.store.message(tenant.account, MessageId(id)).await?,
    ))
}
