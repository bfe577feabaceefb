//! Takes over inbound messages whose lease ran out: stored by a process that died (or
//! failed) before their keywords, opt-ins and forwarding ran. Runs in every process that
//! runs workers, at start and then every [`POLL`]; processes sharing a PostgreSQL database
//! each claim different messages, so each is processed by one of them.

use std::sync::Arc;
use std::time::Duration;

use bote_store::Store;
use tokio_util::sync::CancellationToken;

use super::process::LEASE;
use super::processor::Processor;

/// Messages claimed at a time.
const BATCH: u32 = 500;
/// How often to look for messages to take over. Only messages older than the lease are
/// found, so a second more or less changes little.
const POLL: Duration = Duration::from_secs(1);

pub struct InboundWorker {
    store: Arc<dyn Store>,
    processor: Arc<Processor>,
}

impl InboundWorker {
    pub fn new(store: Arc<dyn Store>, processor: Arc<Processor>) -> Arc<InboundWorker> {
        Arc::new(InboundWorker { store, processor })
    }

    /// Claims up to [`BATCH`] messages whose lease ran out and processes them (in this
    /// process's processor, so a sender's order holds); returns how many it claimed.
    pub async fn try_process_batch(&self) -> anyhow::Result<usize> {
        let claimed = self.store.claim_unprocessed_inbound(BATCH, LEASE).await?;
        let count = claimed.len();
        if count > 0 {
            tracing::info!(
                messages = count,
                "processing inbound messages stored but not processed"
            );
            self.processor.run_now(claimed).await?;
        }
        Ok(count)
    }

    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            match self.try_process_batch().await {
                Ok(n) if n == BATCH as usize => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = format!("{e:#}"), "inbound worker"),
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }
}
