//! Pacing the rest of a send (see `OutboxStore::pace_send`): one statement spreads its due
//! queued messages over the slots to come.

use std::time::Duration;

use bote_domain::{ChannelKind, SendId};
use bote_store::StoreResult;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::errors::backend;

/// Rows a claim holds are skipped (`SKIP LOCKED`): they are `sending` once it commits.
pub(crate) async fn pace_send(
    pool: &PgPool,
    send: SendId,
    channel: ChannelKind,
    now: DateTime<Utc>,
    from: DateTime<Utc>,
    interval: Duration,
) -> StoreResult<u64> {
    let interval_us = bote_store::micros(interval);
    let done = sqlx::query(
        "WITH locked AS ( \
           SELECT id FROM messages \
           WHERE send_id = $1 AND channel = $2 AND status = 'queued' AND next_attempt_at <= $3 \
           ORDER BY id FOR UPDATE SKIP LOCKED), \
         paced AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM locked) \
         UPDATE messages m SET next_attempt_at = $4 + p.k * $5 * interval '1 microsecond' \
         FROM paced p WHERE m.id = p.id",
    )
    .bind(send.0)
    .bind(channel.as_str())
    .bind(now)
    .bind(from)
    .bind(interval_us)
    .execute(pool)
    .await
    .map_err(backend)?;
    Ok(done.rows_affected())
}
