//! The websms endpoints. Answers always carry websms' body shape, also for errors, since
//! websms clients read `statusCode` rather than the HTTP status.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use bote_domain::{AccountId, ChannelKind};
use bote_wire::websms::{Content, Endpoint, WebsmsRequest, WebsmsStatus, parse, parse_json};
use serde_json::{Map, Value};

use super::status::{Refusal, WebsmsResponse, limited, transfer_id};
use crate::app::AppState;
use crate::auth::{ClientIp, Credentials, Denied, admit};
use crate::sending::{SendError, SendRequest, SendSpec, accept};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rest/smsmessaging/text", post(text))
        .route("/json/smsmessaging/text", post(text))
        .route("/rest/smsmessaging/binary", post(binary))
        .route("/json/smsmessaging/binary", post(binary))
        .route("/rest/smsmessaging/simple", post(simple).get(simple))
}

type WebsmsResult = Result<Json<WebsmsResponse>, Refusal>;

async fn account_of(
    state: &AppState,
    ip: ClientIp,
    headers: &HeaderMap,
    access_token: Option<&str>,
) -> Result<AccountId, WebsmsStatus> {
    let credentials = Credentials::from_headers(headers)
        .or_else(|| access_token.map(|t| Credentials::Bearer(t.to_owned())));
    let principal =
        admit(state, credentials.as_ref(), ip.0)
            .await
            .map_err(|denied| match denied {
                Denied::Wrong => WebsmsStatus::bad_credentials(),
                Denied::Limited(l) => limited(l),
                Denied::Store(e) => {
                    tracing::error!(error = %e, "websms authentication failed");
                    WebsmsStatus::internal()
                }
            })?;
    let account = principal
        .account
        .ok_or_else(|| WebsmsStatus::new(4022, "Access denied: account managers cannot send"))?;
    if !principal.scope.allows(bote_domain::Access::Send) {
        return Err(WebsmsStatus::new(
            4022,
            "Access denied: this token may not send",
        ));
    }
    Ok(account)
}

async fn text(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> WebsmsResult {
    let account = account_of(&state, ip, &headers, None).await?;
    let request = parse_json(&body, Endpoint::Text, state.config.default_region)?;
    send(&state, account, request).await
}

async fn binary(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> WebsmsResult {
    let account = account_of(&state, ip, &headers, None).await?;
    let request = parse_json(&body, Endpoint::Binary, state.config.default_region)?;
    send(&state, account, request).await
}

/// `?recipientAddressList=…&messageContent=…&test=…&access_token=…`, as GET or POST.
async fn simple(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> WebsmsResult {
    let account = account_of(
        &state,
        ip,
        &headers,
        params.get("access_token").map(String::as_str),
    )
    .await?;
    let mut body = Map::new();
    for (key, value) in &params {
        let v = match key.as_str() {
            "recipientAddressList" => Value::Array(
                value
                    .split(',')
                    .map(|s| Value::String(s.trim().to_owned()))
                    .filter(|v| v != "")
                    .collect(),
            ),
            "access_token" => continue,
            _ => Value::String(value.clone()),
        };
        body.insert(key.clone(), v);
    }
    let request = parse(&body, Endpoint::Text, state.config.default_region)?;
    send(&state, account, request).await
}

async fn send(state: &AppState, account: AccountId, r: WebsmsRequest) -> WebsmsResult {
    // Binary segments are kept as base64 with the send; the dispatcher decodes them.
    let (text, binary, udh, binary_segments) = match r.content {
        Content::Text(text) => (Some(text), None, false, None),
        Content::Binary { segments, udh } => {
            let n = segments.len() as u64;
            let encoded = segments
                .iter()
                .map(|s| base64::engine::general_purpose::STANDARD.encode(s))
                .collect();
            (None, Some(encoded), udh, Some(n))
        }
    };
    let client_message_id = r.client_message_id.clone();
    let mut numbers: Vec<String> = r.recipients.iter().map(|n| n.as_str().to_owned()).collect();
    numbers.extend(r.invalid_recipients);
    let request = SendRequest {
        channel: ChannelKind::Sms,
        spec: SendSpec {
            text,
            binary,
            udh,
            sender: r.sender,
            flash: r.flash,
            validity_secs: r.validity_secs,
            priority: r.priority,
            max_segments: r.max_sms_per_message,
            ..SendSpec::default()
        },
        numbers,
        contacts: Vec::new(),
        groups: Vec::new(),
        schedule_at: None,
        client_message_id: client_message_id.clone(),
        callback_url: r.callback_url,
        test: r.test,
        source: "websms",
    };
    let done = accept(
        state.store.as_ref(),
        account,
        state.config.default_region,
        request,
    )
    .await
    .map_err(|e| match e {
        SendError::TooManySegments { segments, max } => WebsmsStatus::new(
            4026,
            format!("maxSmsPerMessage exceeded: the message needs {segments} SMS, {max} allowed"),
        ),
        SendError::TrialExpired(_) => WebsmsStatus::new(4001, format!("Inactive account: {e}")),
        SendError::NoContent(_) => WebsmsStatus::new(4009, "Invalid text"),
        SendError::Store(bote_store::StoreError::Busy(why)) => {
            tracing::warn!(why, "websms send answered 5003: the database is busy");
            WebsmsStatus::unavailable()
        }
        SendError::Store(err) => {
            tracing::error!(error = %err, "websms send failed");
            WebsmsStatus::internal()
        }
        other => WebsmsStatus::malformed(other.to_string()),
    })?;
    let accepted = done.acceptance.accepted;
    if accepted > 0 {
        state.wake.notify_one();
    }
    let segments = binary_segments.unwrap_or_else(|| done.sms.map_or(1, |i| i.segments as u64));
    let counted = if r.test {
        done.acceptance
            .skipped_by_reason
            .get(&bote_store::SkipReason::Test)
            .copied()
            .unwrap_or(0)
    } else {
        accepted
    };
    if !r.test && accepted == 0 {
        let outside = done
            .acceptance
            .skipped_by_reason
            .contains_key(&bote_store::SkipReason::OutsideTestNumber);
        return Err(Refusal(if outside {
            WebsmsStatus::new(
                4029,
                "Recipients not allowed: a test account sends only to its verified number (R5)",
            )
        } else {
            WebsmsStatus::invalid_recipient("Invalid recipient(s)")
        }));
    }
    Ok(Json(WebsmsResponse {
        status_code: 2000,
        status_message: "OK".into(),
        transfer_id: Some(transfer_id(done.acceptance.send.id)),
        client_message_id,
        sms_count: Some(segments * counted),
    }))
}
