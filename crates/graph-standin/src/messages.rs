//! `POST /{version}/{phone_number_id}/messages`: Meta's checks in Meta's order (token,
//! number, body), then programmed faults, then a fresh wamid. Synchronous and small:
//! benchmarks run it beside bote on two cores.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::time::Instant;

use crate::graph_error::{GraphError, fault_response};
use crate::records::{Counters, RecordedRequest, unix_ms};
use crate::state::Shared;
use crate::statuses::Pending;
use crate::validate::check;

pub async fn send(
    State(s): State<Arc<Shared>>,
    Path((_version, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let (response, wamid) = answer(&s, &id, &headers, parsed.as_ref());
    let status = response.status().as_u16();
    let counter = if wamid.is_some() {
        &s.counters.accepted
    } else {
        &s.counters.refused
    };
    Counters::add(counter, 1);
    if s.config.record_requests {
        let field = |k: &str| {
            parsed.as_ref().and_then(|v| v.as_object()).map(|o| {
                o.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or(if k == "type" { "text" } else { "" })
                    .to_owned()
            })
        };
        s.recorder.push(RecordedRequest {
            phone_number_id: id,
            to: field("to").filter(|t| !t.is_empty()),
            kind: field("type"),
            body: parsed
                .unwrap_or_else(|| Value::String(String::from_utf8_lossy(&body).into_owned())),
            at,
            received_at_ms: unix_ms(SystemTime::now()),
            status,
            wamid,
        });
    }
    response
}

fn answer(
    s: &Shared,
    id: &str,
    headers: &HeaderMap,
    body: Option<&Value>,
) -> (Response, Option<String>) {
    let refused = |e: GraphError| (e.into_response(), None);
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return refused(GraphError::bad_token(
            "An active access token must be used to query information about the current user.",
        ));
    };
    let Some(number) = s.numbers.get(id) else {
        return refused(GraphError::unknown_object(id));
    };
    if token != number.access_token {
        return refused(GraphError::bad_token(
            "Invalid OAuth access token - Cannot parse access token",
        ));
    }
    let Some(body) = body else {
        return refused(GraphError::invalid("the body is not JSON"));
    };
    let checked = match check(body) {
        Ok(c) => c,
        Err(details) => return refused(GraphError::invalid(details)),
    };
    if s.faults.is_not_on_whatsapp(checked.to) {
        return refused(GraphError::coded(131026, StatusCode::BAD_REQUEST, None));
    }
    if let Some(fault) = s.faults.take() {
        return (fault_response(&fault), None);
    }
    let wamid = s.wamid();
    let digits = checked.to.trim_start_matches('+');
    let fail = s.faults.take_failed_status();
    if let Some(tx) = s.statuses.get() {
        let _ = tx.send(Pending {
            phone_number_id: Arc::from(id),
            wamid: wamid.clone(),
            recipient: digits.to_owned(),
            fail,
            due: Instant::now() + s.config.status_delay,
        });
    }
    // `to` is digits with an optional '+' and wamids are ours: nothing to escape.
    let json = format!(
        r#"{{"messaging_product":"whatsapp","contacts":[{{"input":"{}","wa_id":"{digits}"}}],"messages":[{{"id":"{wamid}","message_status":"accepted"}}]}}"#,
        checked.to
    );
    (
        ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Some(wamid),
    )
}
