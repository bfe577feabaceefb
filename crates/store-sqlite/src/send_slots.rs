//! Shared send slots: one statement moves a rate's next free slot past the block it
//! hands out. SQLite has one writer at a time, which orders concurrent callers.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bote_store::{SendSlotStore, StoreResult, block_micros, wait_from_micros};

use crate::SqliteStore;
use crate::errors::DbResultExt;

#[async_trait::async_trait]
impl SendSlotStore for SqliteStore {
    async fn reserve_send_slots(
        &self,
        key: &str,
        count: u32,
        interval: Duration,
    ) -> StoreResult<Duration> {
        let span = block_micros(count, interval);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(bote_store::micros)
            .unwrap_or(0);
        let wait: i64 = sqlx::query_scalar(
            "INSERT INTO send_slots (key, next_us) VALUES (?1, ?2 + ?3) \
             ON CONFLICT (key) DO UPDATE SET next_us = max(send_slots.next_us, ?2) + ?3 \
             RETURNING next_us - ?3 - ?2",
        )
        .bind(key)
        .bind(now)
        .bind(span)
        .fetch_one(&self.pool)
        .await
        .db()?;
        Ok(wait_from_micros(wait))
    }
}
