//! Callbacks to customers' URLs: delivery reports and forwarded inbound messages in websms
//! form, signed, retried with backoff, each attempt logged. The store enqueues a delivery
//! report in the same transaction that changes a message's status, and an inbound forward
//! before the channel acknowledges the message, so none is lost; this worker delivers them.

mod payload;
mod signature;

use std::sync::Arc;
use std::time::Duration;

use bote_domain::CallbackId;
use bote_store::{CallbackDue, CallbackOutcome, OutboxStore, StoreError};
use chrono::Utc;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

pub use payload::{callback_body, delivery_report_body, inbound_body, websms_status};
pub use signature::{SIGNATURE_HEADER, sign, verify};

/// Waits between attempts; after the last, the callback is given up (and stays visible).
pub const CALLBACK_RETRY_SCHEDULE: [Duration; 9] = [
    Duration::from_secs(10),
    Duration::from_secs(60),
    Duration::from_secs(5 * 60),
    Duration::from_secs(15 * 60),
    Duration::from_secs(60 * 60),
    Duration::from_secs(3 * 60 * 60),
    Duration::from_secs(6 * 60 * 60),
    Duration::from_secs(12 * 60 * 60),
    Duration::from_secs(24 * 60 * 60),
];

#[derive(Debug, Clone)]
pub struct CallbackConfig {
    pub batch: u32,
    pub concurrency: usize,
    pub timeout: Duration,
    pub lease: Duration,
    pub idle_poll: Duration,
    /// Worker loops side by side, each with its own batch in flight; leases keep them from
    /// sharing a callback.
    pub loops: usize,
    /// HMAC key for the signature header.
    pub secret: Arc<[u8]>,
}

pub struct CallbackWorker<S: ?Sized> {
    store: Arc<S>,
    client: reqwest::Client,
    config: CallbackConfig,
}

impl<S> CallbackWorker<S>
where
    S: OutboxStore + Send + Sync + ?Sized + 'static,
{
    pub fn new(store: Arc<S>, config: CallbackConfig) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("bote/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            store,
            client,
            config,
        })
    }

    /// Delivers one batch of due callbacks; returns how many were attempted.
    pub async fn try_deliver_one(&self) -> Result<usize, StoreError> {
        let now = Utc::now();
        let lease_until = now + chrono::Duration::from_std(self.config.lease).expect("lease fits");
        let due = self
            .store
            .claim_callbacks(now, lease_until, self.config.batch)
            .await?;
        if due.is_empty() {
            return Ok(0);
        }
        let attempted = due.len();
        let outcomes: Vec<(CallbackId, CallbackOutcome)> = futures::stream::iter(due)
            .map(|cb| self.deliver_owned(cb))
            .buffer_unordered(self.config.concurrency.max(1))
            .collect()
            .await;
        self.store.record_callbacks(&outcomes).await?;
        for (_, outcome) in &outcomes {
            let result = match outcome {
                CallbackOutcome::Delivered => "delivered",
                CallbackOutcome::Retry { .. } => "retry",
                CallbackOutcome::GaveUp { .. } => "gave_up",
            };
            metrics::counter!(crate::metrics::CALLBACKS, "result" => result).increment(1);
        }
        Ok(attempted)
    }

    async fn deliver_owned(&self, cb: CallbackDue) -> (CallbackId, CallbackOutcome) {
        (cb.id, self.deliver(&cb).await)
    }

    async fn deliver(&self, cb: &CallbackDue) -> CallbackOutcome {
        let body = serde_json::to_vec(&callback_body(cb)).expect("a callback body serialises");
        let signature = sign(&self.config.secret, Utc::now().timestamp(), &body);
        let result = self
            .client
            .post(&cb.url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json;charset=UTF-8",
            )
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await;
        let error = match result {
            Ok(resp) if resp.status().is_success() => {
                tracing::debug!(callback = %cb.id, url = %cb.url, "callback delivered");
                return CallbackOutcome::Delivered;
            }
            Ok(resp) => format!("HTTP {}", resp.status()),
            Err(e) => format!("{e}"),
        };
        let attempt = cb.attempts + 1;
        tracing::warn!(callback = %cb.id, url = %cb.url, attempt, %error, "callback failed");
        match CALLBACK_RETRY_SCHEDULE.get(cb.attempts as usize) {
            Some(wait) => CallbackOutcome::Retry {
                at: Utc::now() + chrono::Duration::from_std(*wait).expect("wait fits"),
                error,
            },
            None => CallbackOutcome::GaveUp { error },
        }
    }

    /// How many `run` loops the app starts.
    pub fn loops(&self) -> usize {
        self.config.loops.max(1)
    }

    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            let wait = match self.try_deliver_one().await {
                Ok(0) => self.config.idle_poll,
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!(error = %e, "callback step failed");
                    self.config.idle_poll
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.cancelled() => {}
            }
        }
    }
}
