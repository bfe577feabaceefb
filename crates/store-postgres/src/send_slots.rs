//! Shared send slots: one statement moves a rate's next free slot past the block it
//! hands out; the row lock orders concurrent callers, the database's clock is the one clock.

use std::time::Duration;

use bote_store::{SendSlotStore, StoreResult, block_micros, wait_from_micros};

use crate::PostgresStore;
use crate::errors::backend;

#[async_trait::async_trait]
impl SendSlotStore for PostgresStore {
    async fn reserve_send_slots(
        &self,
        key: &str,
        count: u32,
        interval: Duration,
    ) -> StoreResult<Duration> {
        let span = block_micros(count, interval);
        let wait: i64 = sqlx::query_scalar(
            "WITH now AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS us) \
             INSERT INTO send_slots AS s (key, next_us) SELECT $1, now.us + $2 FROM now \
             ON CONFLICT (key) DO UPDATE \
             SET next_us = GREATEST(s.next_us, (SELECT us FROM now)) + $2 \
             RETURNING s.next_us - $2 - (SELECT us FROM now)",
        )
        .bind(key)
        .bind(span)
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?;
        Ok(wait_from_micros(wait))
    }
}
