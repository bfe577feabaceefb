//! `/_standin/*`: the HTTP face of the stand-in's controls, for benchmarks and tests in
//! other languages; the same as [`StandinHandle`](crate::StandinHandle)'s methods.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::faults::Fault;
use crate::inbound::InboundMessage;
use crate::state::Shared;

pub fn router() -> axum::Router<Arc<Shared>> {
    axum::Router::new()
        .route("/_standin/faults", post(add_faults).delete(clear_faults))
        .route("/_standin/failed-statuses", post(failed_statuses))
        .route("/_standin/not-on-whatsapp", post(not_on_whatsapp))
        .route("/_standin/inbound", post(inbound))
        .route("/_standin/verify", post(verify))
        .route("/_standin/requests", get(requests).delete(clear_requests))
        .route("/_standin/stats", get(stats))
}

/// `{"count": 3, "http_status": 400, "code": 131047}`; without `code` a bare HTTP error.
#[derive(Deserialize)]
struct FaultsIn {
    #[serde(default = "one")]
    count: u32,
    #[serde(flatten)]
    fault: Fault,
}

fn one() -> u32 {
    1
}

async fn add_faults(State(s): State<Arc<Shared>>, Json(f): Json<FaultsIn>) -> StatusCode {
    s.faults.push(f.count, f.fault);
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(s): State<Arc<Shared>>) -> StatusCode {
    s.faults.clear();
    StatusCode::NO_CONTENT
}

/// `{"count": 1, "code": 131026}`: the next accepted messages end in `failed`.
#[derive(Deserialize)]
struct FailedStatusesIn {
    #[serde(default = "one")]
    count: u32,
    code: i64,
}

async fn failed_statuses(
    State(s): State<Arc<Shared>>,
    Json(f): Json<FailedStatusesIn>,
) -> StatusCode {
    s.faults.push_failed_status(f.count, f.code);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct NumbersIn {
    numbers: Vec<String>,
}

async fn not_on_whatsapp(State(s): State<Arc<Shared>>, Json(n): Json<NumbersIn>) -> StatusCode {
    s.faults.add_not_on_whatsapp(n.numbers);
    StatusCode::NO_CONTENT
}

async fn inbound(State(s): State<Arc<Shared>>, Json(msg): Json<InboundMessage>) -> Response {
    match s.inject(&msg).await {
        Ok(sent) => Json(sent).into_response(),
        Err(e) => (
            StatusCode::BAD_GATEWAY,
            Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}

/// `{"phone_number_id": "…", "verify_token": "…"}` → `{"status": 200, "verified": true}`.
#[derive(Deserialize)]
struct VerifyIn {
    phone_number_id: String,
    verify_token: String,
}

async fn verify(State(s): State<Arc<Shared>>, Json(v): Json<VerifyIn>) -> Response {
    match s.verify_webhook(&v.phone_number_id, &v.verify_token).await {
        Ok((status, verified)) => {
            Json(json!({"status": status, "verified": verified})).into_response()
        }
        Err(e) => (
            StatusCode::BAD_GATEWAY,
            Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}

async fn requests(State(s): State<Arc<Shared>>) -> Response {
    Json(s.recorder.all()).into_response()
}

async fn clear_requests(State(s): State<Arc<Shared>>) -> StatusCode {
    s.recorder.clear();
    StatusCode::NO_CONTENT
}

async fn stats(State(s): State<Arc<Shared>>) -> Response {
    Json(s.counters.snapshot()).into_response()
}
