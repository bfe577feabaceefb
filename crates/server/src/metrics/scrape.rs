//! `GET /metrics` in Prometheus' text format.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{
    INBOUND_UNPROCESSED, SMPP_UP, SMPP_WINDOW_IN_USE, SMPP_WINDOW_SIZE, UNFINISHED, handle,
};
use crate::app::AppState;
use crate::auth::AccountManager;
use crate::connections::LinkState;

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(scrape))
}

async fn scrape(State(state): State<AppState>, _manager: AccountManager) -> Response {
    match state.store.unfinished_messages(None).await {
        Ok(n) => metrics::gauge!(UNFINISHED).set(n as f64),
        // The counters are still worth serving; the gauge keeps its last value.
        Err(e) => tracing::warn!(error = %e, "metrics: reading the backlog failed"),
    }
    match state.store.unprocessed_inbound().await {
        Ok(n) => metrics::gauge!(INBOUND_UNPROCESSED).set(n as f64),
        Err(e) => tracing::warn!(error = %e, "metrics: reading the inbound backlog failed"),
    }
    for link in &state.connections.smpp {
        let name = link.name.clone();
        let up = link.status().state == LinkState::Bound;
        metrics::gauge!(SMPP_UP, "connection" => name.clone()).set(if up { 1.0 } else { 0.0 });
        let (in_use, size) = link.connector.window_use();
        metrics::gauge!(SMPP_WINDOW_IN_USE, "connection" => name.clone()).set(f64::from(in_use));
        metrics::gauge!(SMPP_WINDOW_SIZE, "connection" => name).set(f64::from(size));
    }
    let handle = handle();
    handle.run_upkeep();
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}
