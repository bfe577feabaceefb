//! The task of this process that runs stored messages through [`process`]: one batch at a
//! time, and batches handed over while one runs are merged into the next — so messages
//! arriving together are processed together, and a sender's messages keep their order
//! across deliveries too.

use std::sync::Arc;

use bote_store::{InboundRecord, Store};
use tokio::sync::{mpsc, oneshot};

use super::process::process;
use crate::addon::PackageCaps;

/// Messages merged into one processing batch: hand-overs are merged until it holds this
/// many (one hand-over is never split). Large enough that a backlog is worked off in few
/// transactions, small enough that a batch is far through before its lease runs out.
const MAX_MESSAGES: usize = 4_000;

struct Job {
    records: Vec<InboundRecord>,
    done: Vec<oneshot::Sender<()>>,
}

pub struct Processor {
    jobs: mpsc::Sender<Job>,
}

impl Processor {
    /// Starts the task; it ends when every handle is dropped.
    pub fn start(store: Arc<dyn Store>, caps: PackageCaps) -> Arc<Processor> {
        // Small: a full queue holds the writer back, and with it the webhook's answers.
        let (jobs, rx) = mpsc::channel(8);
        tokio::spawn(run(store, caps, rx));
        Arc::new(Processor { jobs })
    }

    /// Queues `records` (leased to this process); each of `done` is answered once they are
    /// through (failures are left to a worker, see [`process`]).
    pub async fn submit(
        &self,
        records: Vec<InboundRecord>,
        done: Vec<oneshot::Sender<()>>,
    ) -> anyhow::Result<()> {
        self.jobs
            .send(Job { records, done })
            .await
            .map_err(|_| anyhow::anyhow!("the inbound processor has stopped"))
    }

    /// Processes `records` and returns when they are through.
    pub async fn run_now(&self, records: Vec<InboundRecord>) -> anyhow::Result<()> {
        let (done, finished) = oneshot::channel();
        self.submit(records, vec![done]).await?;
        finished
            .await
            .map_err(|_| anyhow::anyhow!("the inbound processor has stopped"))
    }
}

async fn run(store: Arc<dyn Store>, caps: PackageCaps, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut count = first.records.len();
        let mut jobs = vec![first];
        while count < MAX_MESSAGES {
            match rx.try_recv() {
                Ok(job) => {
                    count += job.records.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let records: Vec<InboundRecord> = jobs
            .iter_mut()
            .flat_map(|j| std::mem::take(&mut j.records))
            .collect();
        if !records.is_empty() {
            process(store.as_ref(), &caps, records).await;
        }
        for done in jobs.into_iter().flat_map(|j| j.done) {
            let _ = done.send(());
        }
    }
}
