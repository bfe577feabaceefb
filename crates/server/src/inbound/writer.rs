//! Inbound messages from channels into the store, with group commit: messages arriving at
//! the same time (concurrent webhook deliveries, the many messages of one delivery, SMPP
//! MOs) are stored in one transaction, each marked unprocessed and leased to this process,
//! and handed to the processor. A provider's channel (webhook, SMPP) is answered after that
//! commit, as Meta asks of webhooks: the mark is durable, so processing catches up in
//! batches as large as the backlog, and a crash before it loses nothing (a worker processes
//! the message once the lease has run out, `InboundWorker`). The sandbox handset waits,
//! within a bound, for its message's keywords and opt-ins too, so whoever types it sees the
//! effect once it is acknowledged.

use std::sync::Arc;
use std::time::Duration;

use bote_store::{InboundRecord, NewInbound, Store};
use tokio::sync::{mpsc, oneshot};

use super::process::LEASE;
use super::processor::Processor;
use super::receive::note;

/// Deliveries stored in one transaction at most (each holds one or more messages).
const MAX_JOBS: usize = 256;
/// How long an answer waits for processing after the store: normally milliseconds; past
/// it the channel is answered anyway (the message is stored and will be processed).
const PROCESSING_WAIT: Duration = Duration::from_secs(10);

struct Job {
    messages: Vec<NewInbound>,
    stored: oneshot::Sender<Result<Vec<InboundRecord>, String>>,
    /// Answered once the messages are processed, for callers that wait for it.
    processed: Option<oneshot::Sender<()>>,
}

pub struct InboundWriter {
    jobs: mpsc::Sender<Job>,
}

impl InboundWriter {
    /// Starts the writer task; it ends when every handle is dropped.
    pub fn start(store: Arc<dyn Store>, processor: Arc<Processor>) -> Arc<InboundWriter> {
        let (jobs, rx) = mpsc::channel(4 * MAX_JOBS);
        tokio::spawn(write_batches(store, processor, rx));
        Arc::new(InboundWriter { jobs })
    }

    /// Stores `messages` (a provider's repeat of a message id is stored once) and returns
    /// their records once committed; their processing follows.
    pub async fn receive(&self, messages: Vec<NewInbound>) -> anyhow::Result<Vec<InboundRecord>> {
        self.store(messages, None).await
    }

    /// As [`receive`](Self::receive), and returns once the messages are processed too, or
    /// once [`PROCESSING_WAIT`] has passed after the commit.
    pub async fn receive_processed(
        &self,
        messages: Vec<NewInbound>,
    ) -> anyhow::Result<Vec<InboundRecord>> {
        let (processed, processed_answer) = oneshot::channel();
        let records = self.store(messages, Some(processed)).await?;
        // Nothing to store drops `processed` at once, which ends the wait as well.
        if tokio::time::timeout(PROCESSING_WAIT, processed_answer)
            .await
            .is_err()
        {
            tracing::warn!(
                messages = records.len(),
                "inbound messages stored; their processing takes longer, answered before it"
            );
        }
        Ok(records)
    }

    /// Stores `messages` through the writer task and returns their records; `processed`
    /// goes with them to the processor.
    async fn store(
        &self,
        messages: Vec<NewInbound>,
        processed: Option<oneshot::Sender<()>>,
    ) -> anyhow::Result<Vec<InboundRecord>> {
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let stopped = || anyhow::anyhow!("the inbound writer has stopped");
        let (stored, stored_answer) = oneshot::channel();
        self.jobs
            .send(Job {
                messages,
                stored,
                processed,
            })
            .await
            .map_err(|_| stopped())?;
        let records = stored_answer
            .await
            .map_err(|_| stopped())?
            .map_err(|e| anyhow::anyhow!(e))?;
        Ok(records)
    }
}

async fn write_batches(
    store: Arc<dyn Store>,
    processor: Arc<Processor>,
    mut rx: mpsc::Receiver<Job>,
) {
    let mut jobs = Vec::with_capacity(MAX_JOBS);
    while rx.recv_many(&mut jobs, MAX_JOBS).await > 0 {
        let counts: Vec<usize> = jobs.iter().map(|j| j.messages.len()).collect();
        let messages: Vec<NewInbound> = jobs
            .iter_mut()
            .flat_map(|j| std::mem::take(&mut j.messages))
            .collect();
        let stored = match store.record_inbound_batch(messages, LEASE).await {
            Ok(stored) => stored,
            Err(e) => {
                tracing::error!(error = %e, deliveries = jobs.len(), "storing inbound messages failed");
                for job in jobs.drain(..) {
                    let _ = job.stored.send(Err(e.to_string()));
                }
                continue;
            }
        };
        let mut stored = stored.into_iter();
        let (mut fresh, mut done) = (Vec::new(), Vec::with_capacity(jobs.len()));
        for (job, count) in jobs.drain(..).zip(counts) {
            let mut records = Vec::with_capacity(count);
            for (record, new) in stored.by_ref().take(count) {
                note(&record, new);
                if new && record.account.is_some() {
                    fresh.push(record.clone());
                }
                records.push(record);
            }
            let _ = job.stored.send(Ok(records));
            done.extend(job.processed);
        }
        if let Err(e) = processor.submit(fresh, done).await {
            // Stored and leased: a worker processes them after the lease.
            tracing::error!(error = %e, "inbound messages stored but not handed to processing");
        }
    }
}
