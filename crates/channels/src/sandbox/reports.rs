//! Delivery reports waiting for their time. The delay is the same for every report, so a
//! FIFO queue is in due order; one task drains it and hands the due reports to the sink
//! together, retrying those that failed with backoff, so no report is dropped.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::{DeliveryReport, EventSink};

pub struct ReportQueue {
    queue: Arc<Mutex<VecDeque<(Instant, DeliveryReport)>>>,
    wake: Arc<Notify>,
}

impl ReportQueue {
    pub fn start(sink: Arc<dyn EventSink>) -> Self {
        let queue: Arc<Mutex<VecDeque<(Instant, DeliveryReport)>>> = Arc::default();
        let wake = Arc::new(Notify::new());
        tokio::spawn(drain(queue.clone(), wake.clone(), sink));
        Self { queue, wake }
    }

    pub fn push(&self, report: DeliveryReport, delay: Duration) {
        let due = Instant::now() + delay;
        let was_empty = {
            let mut q = self.queue.lock().expect("report queue lock");
            q.push_back((due, report));
            q.len() == 1
        };
        if was_empty {
            self.wake.notify_one();
        }
    }
}

/// Reports handed to the sink at once: the sink (the receipt writer) stores reports that
/// arrive together in one transaction, so handing them over one by one would cost one
/// transaction each.
const BATCH: usize = 1_000;

async fn drain(
    queue: Arc<Mutex<VecDeque<(Instant, DeliveryReport)>>>,
    wake: Arc<Notify>,
    sink: Arc<dyn EventSink>,
) {
    let mut backoff = Duration::from_millis(50);
    loop {
        let next = queue
            .lock()
            .expect("report queue lock")
            .front()
            .map(|(due, _)| *due);
        let Some(due) = next else {
            wake.notified().await;
            continue;
        };
        tokio::time::sleep_until(due).await;
        let now = Instant::now();
        let batch: Vec<(Instant, DeliveryReport)> = {
            let mut q = queue.lock().expect("report queue lock");
            let n = q.iter().take(BATCH).take_while(|(d, _)| *d <= now).count();
            q.drain(..n).collect()
        };
        let results = futures::future::join_all(
            batch
                .iter()
                .map(|(_, report)| sink.delivery_report(report.clone())),
        )
        .await;
        // What failed goes back to the front, in its order, and is tried again.
        let failed: Vec<(Instant, DeliveryReport)> = batch
            .into_iter()
            .zip(results)
            .filter_map(|(item, result)| match result {
                Ok(()) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "sandbox: storing a delivery report failed; retrying");
                    Some(item)
                }
            })
            .collect();
        if failed.is_empty() {
            backoff = Duration::from_millis(50);
            continue;
        }
        {
            let mut q = queue.lock().expect("report queue lock");
            for item in failed.into_iter().rev() {
                q.push_front(item);
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}
