//! Prometheus metrics at `/metrics`: what an operator watches — messages accepted and
//! dispatched per channel, delivery reports and inbound messages, callbacks (failures
//! included), the outbox's backlog, SMPP connections (up, reconnects, window use) and HTTP
//! request latency.
//!
//! Counters are kept in this process (the `metrics` facade with the Prometheus exporter as
//! its recorder); with several bote processes on one database each exposes its own and
//! Prometheus sums them. The backlog is read from the store at scrape time, so every
//! process reports the same shared figure. Reading needs an account manager's credentials
//! (HTTP Basic, as Prometheus' `basic_auth` sends them): the figures span every account.

mod http;
mod names;
mod scrape;

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

pub use http::track_requests;
pub use names::*;
pub use scrape::router;

/// Latency buckets in seconds, from a fast API answer to a slow CSV import.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process's recorder, installed on first use. Tests build several apps in one
/// process; they share it.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets(LATENCY_BUCKETS)
            .expect("latency buckets are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was installed before bote's; /metrics stays empty");
        }
        names::describe();
        handle
    })
}
