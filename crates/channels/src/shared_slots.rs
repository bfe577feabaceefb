//! Send slots shared between processes: where a [`Throttle`](crate::throttle::Throttle)
//! gets its slots when several bote processes send through the same SMPP connection or
//! WhatsApp number, so that their rate holds in total. The server implements
//! [`SlotSource`] on its database (one schedule row per rate).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// Hands out blocks of send slots from a schedule every process shares.
#[async_trait::async_trait]
pub trait SlotSource: Send + Sync {
    /// Reserves `count` slots `interval` apart on the schedule `key`; returns how long
    /// from now the first one is.
    async fn reserve(&self, key: &str, count: u32, interval: Duration) -> Result<Duration, String>;
}

/// A block holds at most this much sending time, so a process that reserved more than it
/// needs keeps the others waiting at most this long.
pub const BLOCK_TIME: Duration = Duration::from_millis(50);
/// Waits between attempts while the source fails (it is asked again, never bypassed).
const RETRY_MIN: Duration = Duration::from_millis(50);
const RETRY_MAX: Duration = Duration::from_secs(1);

/// The slots one process reserved and has not used yet.
struct Block {
    next: Instant,
    left: u32,
    interval: Duration,
}

/// One rate's shared schedule as this process sees it.
pub(crate) struct SharedSlots {
    source: Arc<dyn SlotSource>,
    key: String,
    block: tokio::sync::Mutex<Block>,
    /// Callers waiting for a slot: a block covers them, up to `BLOCK_TIME`.
    waiting: AtomicU32,
}

impl SharedSlots {
    pub(crate) fn new(source: Arc<dyn SlotSource>, key: String) -> SharedSlots {
        SharedSlots {
            source,
            key,
            block: tokio::sync::Mutex::new(Block {
                next: Instant::now(),
                left: 0,
                interval: Duration::ZERO,
            }),
            waiting: AtomicU32::new(0),
        }
    }

    /// The time of this caller's slot at `rate` sends a second (> 0).
    pub(crate) async fn next_slot(&self, rate: u32) -> Instant {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let interval = Duration::from_secs(1) / rate;
        let mut block = self.block.lock().await;
        if block.left == 0 || block.interval != interval {
            let most = (BLOCK_TIME.as_micros() / interval.as_micros().max(1)).max(1);
            let count = self
                .waiting
                .load(Ordering::Relaxed)
                .clamp(1, u32::try_from(most).unwrap_or(u32::MAX));
            let wait = self.reserve(count, interval).await;
            // The source's schedule is on its clock and arrives after a round trip of its
            // own length: a slow answer maps a block later than a quick one maps the next.
            // This process's slots never overlap its own earlier ones, whatever the delays.
            *block = Block {
                next: (Instant::now() + wait).max(block.next),
                left: count,
                interval,
            };
        }
        let slot = block.next;
        block.next += interval;
        block.left -= 1;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        slot
    }

    /// Asks the source until it answers: sending without a slot could exceed the rate.
    async fn reserve(&self, count: u32, interval: Duration) -> Duration {
        let mut retry = RETRY_MIN;
        loop {
            match self.source.reserve(&self.key, count, interval).await {
                Ok(wait) => return wait,
                Err(e) => {
                    tracing::warn!(rate = %self.key, error = %e, "reserving send slots failed; trying again");
                    tokio::time::sleep(retry).await;
                    retry = (retry * 2).min(RETRY_MAX);
                }
            }
        }
    }
}
