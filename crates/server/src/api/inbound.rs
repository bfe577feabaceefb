//! `/api/v1/numbers`, `/api/v1/inbound` and `/api/v1/sandbox/inbound`: the account's
//! business numbers, the messages people sent to them, and the sandbox handset that sends
//! such a message where no provider is connected.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use bote_domain::{AccountId, ChannelKind};
use bote_store::{BusinessNumber, InboundQuery, InboundRecord};
use serde::Deserialize;

use super::query::{PageBody, page_limit, parse_cursor};
use super::{ApiError, ApiJson, ApiQuery, ApiResult, input};
use crate::app::AppState;
use crate::auth::{Read, Send, Tenant};
use crate::inbound::{normalise_to, sandbox_message};

/// Longest text a sandbox handset sends.
const MAX_TEXT: usize = 4096;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/numbers", get(numbers))
        .route("/inbound", get(list))
        .route("/sandbox/inbound", post(inject))
}

async fn numbers(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<BusinessNumber>>> {
    Ok(Json(
        state.store.business_numbers(Some(tenant.account)).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    channel: Option<ChannelKind>,
    from: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

async fn list(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<PageBody<InboundRecord>>> {
    let from = input::phone("from", params.from.as_deref(), state.config.default_region)?;
    let query = InboundQuery {
        channel: params.channel,
        from: from.map(|n| n.as_str().to_owned()),
        before: parse_cursor(params.cursor.as_deref())?,
        limit: page_limit(params.limit)?,
    };
    let page = state.store.list_inbound(tenant.account, query).await?;
    Ok(Json(page.into()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InjectInput {
    channel: ChannelKind,
    from: String,
    to: String,
    text: String,
}

/// A message from a simulated handset to one of the account's business numbers, through
/// the sandbox channel: only where the sandbox is that channel's connection, since on a
/// real connection it would forge what a customer said.
async fn inject(
    tenant: Tenant<Send>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<InjectInput>,
) -> ApiResult<(StatusCode, Json<InboundRecord>)> {
    let record = from_handset(
        &state,
        tenant.account,
        body.channel,
        &body.from,
        &body.to,
        &body.text,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(record)))
}

/// `text` from the simulated handset `from` to the account's business number `to`: what
/// `POST /api/v1/sandbox/inbound` and the web page's sandbox phone both do.
pub(crate) async fn from_handset(
    state: &AppState,
    account: AccountId,
    channel: ChannelKind,
    from: &str,
    to: &str,
    text: &str,
) -> ApiResult<InboundRecord> {
    if channel == ChannelKind::Sms && !state.connections.smpp.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "sandbox_off",
            "SMS go through SMPP connections here, not the sandbox: inbound SMS come from the SMSC",
        ));
    }
    let from = input::phone("from", Some(from), state.config.default_region)?
        .ok_or_else(|| ApiError::invalid("from", "missing", "from: give the handset's number"))?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        return Err(ApiError::invalid(
            "text",
            "invalid_text",
            format!("text: 1 to {MAX_TEXT} characters"),
        ));
    }
    let number = normalise_to(to);
    let owned = state.store.business_numbers(Some(account)).await?;
    if !owned
        .iter()
        .any(|n| n.channel == channel && n.number == number)
    {
        let known: Vec<&str> = owned
            .iter()
            .filter(|n| n.channel == channel)
            .map(|n| n.number.as_str())
            .collect();
        let hint = if known.is_empty() {
            format!(
                "this account has no {} business number yet (`bote number add`)",
                channel
            )
        } else {
            format!("its {} numbers: {}", channel, known.join(", "))
        };
        return Err(ApiError::invalid(
            "to",
            "unknown_business_number",
            format!(
                "to: '{}' is not a business number of this account; {hint}",
                to
            ),
        ));
    }
    let message = sandbox_message(channel, &from, number, text.to_owned());
    let mut stored = state
        .events
        .inbound
        .receive_processed(vec![message])
        .await
        .map_err(ApiError::internal)?;
    stored
        .pop()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no record of the stored message")))
}
