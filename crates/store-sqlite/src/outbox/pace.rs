//! Pacing the rest of a send (see `OutboxStore::pace_send`): one statement spreads its due
//! queued messages over the slots to come.

use std::time::Duration;

use bote_domain::{ChannelKind, SendId};
use bote_store::StoreResult;
use chrono::{DateTime, Utc};

use crate::SqliteStore;
use crate::errors::DbResultExt;
use crate::time;

/// Times are computed in whole microseconds since the epoch and written in the stored
/// fixed-width form (`time::text`), so they sort with the others.
pub(crate) async fn pace_send(
    store: &SqliteStore,
    send: SendId,
    channel: ChannelKind,
    now: DateTime<Utc>,
    from: DateTime<Utc>,
    interval: Duration,
) -> StoreResult<u64> {
    let interval_us = bote_store::micros(interval);
    let mut tx = crate::write::begin(store).await?;
    let sql = format!(
        "UPDATE messages SET next_attempt_at = {} \
         FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM messages \
               WHERE send_id = ?1 AND channel = ?2 AND status = 'queued' AND next_attempt_at <= ?3) AS p \
         WHERE messages.id = p.id",
        time::sql_text("?4 + p.k * ?5")
    );
    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(send.0)
        .bind(channel.as_str())
        .bind(time::text(now))
        .bind(from.timestamp_micros())
        .bind(interval_us)
        .execute(&mut *tx)
        .await
        .db()?;
    tx.commit().await.db()?;
    Ok(done.rows_affected())
}
