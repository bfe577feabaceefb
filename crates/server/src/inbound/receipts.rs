//! Delivery reports from channels into the store, with group commit: reports arriving at
//! the same time are applied in one transaction, and each channel is answered only after
//! the transaction that holds its report has committed.

use std::sync::Arc;

use bote_channels::{DeliveryReport, ReceiptState};
use bote_domain::MessageStatus;
use bote_store::{OutboxStore, ReceiptUpdate};
use chrono::Utc;
use tokio::sync::{mpsc, oneshot};

/// Reports written in one transaction at most.
const MAX_BATCH: usize = 1_000;

/// bote's status for a receipt state; `Sent` means "still on its way".
pub fn receipt_status(state: ReceiptState) -> (MessageStatus, Option<&'static str>) {
    match state {
        ReceiptState::Delivered => (MessageStatus::Delivered, None),
        ReceiptState::Undeliverable => (MessageStatus::Undelivered, None),
        ReceiptState::Expired => (MessageStatus::Expired, None),
        ReceiptState::Deleted => (MessageStatus::Undelivered, Some("DELETED")),
        ReceiptState::Rejected => (MessageStatus::Rejected, None),
        ReceiptState::Unknown => (MessageStatus::Undelivered, Some("UNKNOWN")),
        ReceiptState::Accepted | ReceiptState::Enroute => (MessageStatus::Sent, None),
    }
}

struct Job {
    update: ReceiptUpdate,
    done: oneshot::Sender<Result<(), String>>,
}

pub struct ReceiptWriter {
    jobs: mpsc::Sender<Job>,
}

impl ReceiptWriter {
    /// Starts the writer task; it ends when every `ReceiptWriter` handle is dropped.
    pub fn start<S>(store: Arc<S>) -> Arc<ReceiptWriter>
    where
        S: OutboxStore + Send + Sync + ?Sized + 'static,
    {
        let (jobs, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(write_batches(store, rx));
        Arc::new(ReceiptWriter { jobs })
    }
}

fn update_of(report: &DeliveryReport) -> ReceiptUpdate {
    let (status, code) = receipt_status(report.state);
    ReceiptUpdate {
        connection: report.connection.clone(),
        provider_ids: vec![report.provider_id.clone()],
        status,
        error_code: report.error.clone().or(code.map(str::to_owned)),
        at: report.done_at.unwrap_or_else(Utc::now),
        account: None,
    }
}

async fn write_batches<S>(store: Arc<S>, mut rx: mpsc::Receiver<Job>)
where
    S: OutboxStore + Send + Sync + ?Sized + 'static,
{
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let updates: Vec<ReceiptUpdate> = batch.iter().map(|j| j.update.clone()).collect();
        let result = store
            .apply_receipts(&updates)
            .await
            .map(|applied| {
                if applied.foreign > 0 {
                    tracing::warn!(
                        dropped = applied.foreign,
                        "statuses naming another account's messages dropped"
                    );
                }
            })
            .map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::error!(error = %e, reports = batch.len(), "storing delivery reports failed");
        }
        for job in batch.drain(..) {
            let _ = job.done.send(result.clone());
        }
    }
}

impl ReceiptWriter {
    /// Returns once the report is stored (in a group commit with others arriving now).
    pub async fn write(&self, report: DeliveryReport) -> anyhow::Result<()> {
        self.apply(update_of(&report)).await
    }

    /// Like [`write`](Self::write), for a status already in bote's terms (WhatsApp's
    /// `read`, which no SMS receipt state expresses).
    pub async fn apply(&self, update: ReceiptUpdate) -> anyhow::Result<()> {
        metrics::counter!(crate::metrics::RECEIPTS, "status" => update.status.as_str())
            .increment(1);
        let (done, answer) = oneshot::channel();
        self.jobs
            .send(Job { update, done })
            .await
            .map_err(|_| anyhow::anyhow!("the receipt writer has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the receipt writer has stopped"))?
            .map_err(|e| anyhow::anyhow!(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_states_map_to_statuses() {
        assert_eq!(
            receipt_status(ReceiptState::Delivered).0,
            MessageStatus::Delivered
        );
        assert_eq!(
            receipt_status(ReceiptState::Deleted),
            (MessageStatus::Undelivered, Some("DELETED"))
        );
        assert_eq!(receipt_status(ReceiptState::Enroute).0, MessageStatus::Sent);
        for state in [
            ReceiptState::Undeliverable,
            ReceiptState::Expired,
            ReceiptState::Rejected,
            ReceiptState::Unknown,
        ] {
            assert!(receipt_status(state).0.is_final(), "{state:?}");
        }
    }
}
