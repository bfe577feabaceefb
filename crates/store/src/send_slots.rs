//! Send slots shared by every process on one database: how an SMPP connection's or a
//! WhatsApp number's messages per second hold in total when several workers send through it.
//!
//! Each rate has one schedule (a row keyed by name) holding the time of its next free slot.
//! A process reserves a block of consecutive slots, `interval` apart, starting at that time
//! or now (the database's clock), whichever is later, and moves the time past the block.
//! Blocks never overlap, so all processes together send at most one message per `interval`
//! (plus the network's jitter); slots a process does not use are lost, never given twice.

use std::time::Duration;

use crate::StoreResult;

#[async_trait::async_trait]
pub trait SendSlotStore {
    /// Reserves `count` slots `interval` apart on the schedule `key` (created on first
    /// use). Returns how long from now the first slot is; the last is
    /// `(count - 1) * interval` after it.
    async fn reserve_send_slots(
        &self,
        key: &str,
        count: u32,
        interval: Duration,
    ) -> StoreResult<Duration>;
}

/// Microseconds a block of `count` slots spans, at least 1.
pub fn block_micros(count: u32, interval: Duration) -> i64 {
    micros(interval.saturating_mul(count.max(1))).max(1)
}

/// `d` in whole microseconds, as the stores keep times and intervals (`i64::MAX` at most).
pub fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// The wait the database answered (microseconds, never negative).
pub fn wait_from_micros(us: i64) -> Duration {
    Duration::from_micros(u64::try_from(us).unwrap_or(0))
}
