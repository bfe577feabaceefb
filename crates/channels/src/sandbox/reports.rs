//! Delivery reports waiting for their time. The delay is the same for every report, so a
//! FIFO queue is in due order; one task drains it and hands each report to the sink,
//! retrying with backoff while the sink fails, so no report is dropped.

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
        let report = queue
            .lock()
            .expect("report queue lock")
            .front()
            .map(|(_, r)| r.clone());
        let Some(report) = report else { continue };
        match sink.delivery_report(report).await {
            Ok(()) => {
                queue.lock().expect("report queue lock").pop_front();
                backoff = Duration::from_millis(50);
            }
            Err(e) => {
                tracing::warn!(error = %e, "sandbox: storing a delivery report failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}
