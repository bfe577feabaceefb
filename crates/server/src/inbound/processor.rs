//! The task of this process that runs stored messages through [`process`]: one batch at a
//! time, and batches handed over while one runs are merged into the next — so messages
//! arriving together are processed together, the batches grow with the backlog, and a
//! sender's messages keep their order across deliveries too.

use std::sync::Arc;

use bote_store::{InboundRecord, Store};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};

use super::process::process;
use crate::addon::PackageCaps;

/// Messages merged into one processing batch: hand-overs are merged until it holds this
/// many (one hand-over is never split). Large enough that a backlog is worked off in few
/// transactions, small enough that a batch is far through before its lease runs out.
const MAX_MESSAGES: usize = 4_000;
/// Messages handed over and not yet through, at most: a hand-over beyond it waits, and
/// with it the writer and the answers to the channels, so a backlog this process holds
/// under its lease stays a few batches long.
const MAX_WAITING: usize = 2 * MAX_MESSAGES;

struct Job {
    records: Vec<InboundRecord>,
    done: Vec<oneshot::Sender<()>>,
    /// Its share of [`MAX_WAITING`], given back once it is through.
    _room: OwnedSemaphorePermit,
}

pub struct Processor {
    jobs: mpsc::UnboundedSender<Job>,
    room: Arc<Semaphore>,
}

impl Processor {
    /// Starts the task; it ends when every handle is dropped.
    pub fn start(store: Arc<dyn Store>, caps: PackageCaps) -> Arc<Processor> {
        let (jobs, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(store, caps, rx));
        Arc::new(Processor {
            jobs,
            room: Arc::new(Semaphore::new(MAX_WAITING)),
        })
    }

    /// Queues `records` (leased to this process) once there is room for them; each of
    /// `done` is answered once they are through (failures are left to a worker, see
    /// [`process`]).
    pub async fn submit(
        &self,
        records: Vec<InboundRecord>,
        done: Vec<oneshot::Sender<()>>,
    ) -> anyhow::Result<()> {
        let stopped = || anyhow::anyhow!("the inbound processor has stopped");
        let wanted = records.len().clamp(1, MAX_WAITING) as u32;
        let room = self
            .room
            .clone()
            .acquire_many_owned(wanted)
            .await
            .map_err(|_| stopped())?;
        self.jobs
            .send(Job {
                records,
                done,
                _room: room,
            })
            .map_err(|_| stopped())
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

async fn run(store: Arc<dyn Store>, caps: PackageCaps, mut rx: mpsc::UnboundedReceiver<Job>) {
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
