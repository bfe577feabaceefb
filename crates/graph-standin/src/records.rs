//! Every send request the stand-in saw, for tests to assert on, and counters that
//! benchmarks read when recording is off.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;
use tokio::sync::Notify;
use tokio::time::Instant;

#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    /// The id in the path.
    pub phone_number_id: String,
    /// `to` as sent, when the body had one.
    pub to: Option<String>,
    /// `type` as sent (Meta's default `text` when absent), when the body was an object.
    pub kind: Option<String>,
    /// The whole body; a string when it was not JSON.
    pub body: Value,
    /// When it arrived, for rate measurements.
    #[serde(skip)]
    pub at: Instant,
    /// Milliseconds since the Unix epoch.
    pub received_at_ms: u64,
    /// The HTTP status answered.
    pub status: u16,
    /// The wamid given, when accepted.
    pub wamid: Option<String>,
}

/// How much the stand-in did, JSON for `GET /_standin/stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub accepted: u64,
    pub refused: u64,
    /// Webhook POSTs the receiver answered 2xx.
    pub webhook_posts: u64,
    /// Statuses inside those POSTs.
    pub statuses_delivered: u64,
    /// Webhook attempts answered non-2xx or failing in transport.
    pub webhook_failures: u64,
    /// Statuses given up after the last attempt.
    pub statuses_dropped: u64,
}

#[derive(Default)]
pub struct Counters {
    pub accepted: AtomicU64,
    pub refused: AtomicU64,
    pub webhook_posts: AtomicU64,
    pub statuses_delivered: AtomicU64,
    pub webhook_failures: AtomicU64,
    pub statuses_dropped: AtomicU64,
}

impl Counters {
    pub fn add(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            accepted: get(&self.accepted),
            refused: get(&self.refused),
            webhook_posts: get(&self.webhook_posts),
            statuses_delivered: get(&self.statuses_delivered),
            webhook_failures: get(&self.webhook_failures),
            statuses_dropped: get(&self.statuses_dropped),
        }
    }
}

#[derive(Default)]
pub struct Recorder {
    requests: Mutex<Vec<RecordedRequest>>,
    added: Notify,
}

impl Recorder {
    pub fn push(&self, r: RecordedRequest) {
        self.requests.lock().expect("records lock").push(r);
        self.added.notify_waiters();
    }

    pub fn all(&self) -> Vec<RecordedRequest> {
        self.requests.lock().expect("records lock").clone()
    }

    pub fn clear(&self) {
        self.requests.lock().expect("records lock").clear();
    }

    /// Waits until at least `n` requests are recorded or `timeout` passes; returns them.
    pub async fn wait(&self, n: usize, timeout: Duration) -> Vec<RecordedRequest> {
        let deadline = Instant::now() + timeout;
        loop {
            let notified = self.added.notified();
            {
                let all = self.requests.lock().expect("records lock");
                if all.len() >= n || Instant::now() >= deadline {
                    return all.clone();
                }
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }
}

pub fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
