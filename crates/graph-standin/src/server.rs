//! Starting a stand-in and steering it from Rust tests.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::post;
use tokio::task::JoinHandle;

use crate::faults::Fault;
use crate::inbound::{InboundMessage, InboundSent};
use crate::records::{RecordedRequest, Stats};
use crate::state::Shared;
use crate::{StandinConfig, StandinNumber, control, messages, statuses};

pub struct GraphStandin;

impl GraphStandin {
    /// Binds `config.listen` and serves until the handle is dropped.
    ///
    /// Installs rustls' `ring` provider as the process default when none is (its webhook
    /// client needs one), as bote's server does.
    pub async fn start(config: StandinConfig) -> anyhow::Result<StandinHandle> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config)?);
        let mut tasks = Vec::new();
        if shared.webhook.is_some() && shared.config.status_webhooks {
            let (tx, stage_tasks) = statuses::start(shared.clone(), shared.config.read_receipts);
            let _ = shared.statuses.set(tx);
            tasks.extend(stage_tasks);
        }
        let app = axum::Router::new()
            .route(
                "/{version}/{phone_number_id}/messages",
                post(messages::send),
            )
            .merge(control::router())
            .with_state(shared.clone());
        tasks.push(tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("graph stand-in stopped: {e}");
            }
        }));
        Ok(StandinHandle {
            addr,
            shared,
            tasks,
        })
    }
}

/// A running stand-in; dropping it stops it.
pub struct StandinHandle {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl StandinHandle {
    /// `http://127.0.0.1:port`, the Cloud API client's `base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn numbers(&self) -> &[StandinNumber] {
        &self.shared.config.numbers
    }

    /// Every send request so far, oldest first (empty when recording is off).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder.all()
    }

    /// Waits for at least `n` recorded requests (or the timeout); returns all of them.
    pub async fn wait_requests(&self, n: usize, timeout: Duration) -> Vec<RecordedRequest> {
        self.shared.recorder.wait(n, timeout).await
    }

    pub fn clear_requests(&self) {
        self.shared.recorder.clear();
    }

    /// The next `n` valid sends answer Meta's error `code` with `http_status`.
    pub fn fail_next(&self, n: u32, code: i64, http_status: u16) {
        self.shared.faults.push(n, Fault::graph(code, http_status));
    }

    /// The next `n` valid sends answer a bare `http_status` (500, 429…) without Meta's body.
    pub fn fail_next_http(&self, n: u32, http_status: u16) {
        self.shared.faults.push(n, Fault::http(http_status));
    }

    pub fn push_fault(&self, n: u32, fault: Fault) {
        self.shared.faults.push(n, fault);
    }

    /// The next `n` accepted messages get `sent` and then `failed` with Meta's error `code`
    /// (e.g. 131026, 131047) instead of `delivered`, as Meta reports most delivery errors.
    pub fn fail_status_next(&self, n: u32, code: i64) {
        self.shared.faults.push_failed_status(n, code);
    }

    /// Clears programmed answers and failed statuses.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// Sends to these numbers answer 131026 (undeliverable) from now on.
    pub fn not_on_whatsapp(&self, numbers: &[&str]) {
        self.shared
            .faults
            .add_not_on_whatsapp(numbers.iter().copied());
    }

    /// Posts a customer's message to the webhook now, signed; the receiver's answer.
    pub async fn inject_inbound(&self, msg: &InboundMessage) -> anyhow::Result<InboundSent> {
        self.shared.inject(msg).await
    }

    /// Meta's subscription handshake (`GET` with `hub.mode=subscribe`, a challenge and
    /// `verify_token`) against the webhook URL of `phone_number_id`: the receiver's status
    /// and whether it answered the challenge.
    pub async fn verify_webhook(
        &self,
        phone_number_id: &str,
        verify_token: &str,
    ) -> anyhow::Result<(u16, bool)> {
        self.shared
            .verify_webhook(phone_number_id, verify_token)
            .await
    }

    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }
}

impl Drop for StandinHandle {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}
