//! Inbound messages waiting for keywords, opt-ins and forwarding: stored in group commits
//! with a lease for the process that stored them, claimed by a worker of any process once
//! a lease has run out (that process died before it marked them processed). Leases run on
//! the database's clock, so processes with skewed clocks agree.

use std::time::Duration;

use bote_store::{InboundRecord, NewInbound, StoreResult};

use crate::PostgresStore;
use crate::errors::backend;
use crate::inbound::{INBOUND_COLUMNS, InboundRow, insert_inbound};

fn micros(lease: Duration) -> i64 {
    i64::try_from(lease.as_micros()).unwrap_or(i64::MAX)
}

pub(crate) async fn record_batch(
    store: &PostgresStore,
    messages: Vec<NewInbound>,
    lease: Duration,
) -> StoreResult<Vec<(InboundRecord, bool)>> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = store.pool.begin().await.map_err(backend)?;
    let mut stored = Vec::with_capacity(messages.len());
    for m in &messages {
        stored.push(insert_inbound(&mut tx, m, Some(micros(lease))).await?);
    }
    tx.commit().await.map_err(backend)?;
    Ok(stored)
}

pub(crate) async fn claim(
    store: &PostgresStore,
    limit: u32,
    lease: Duration,
) -> StoreResult<Vec<InboundRecord>> {
    // SKIP LOCKED: processes claiming at the same time take different messages.
    let rows: Vec<InboundRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE inbound_messages \
         SET process_after = now() + $1::bigint * interval '1 microsecond' \
         WHERE id IN (SELECT id FROM inbound_messages \
                      WHERE process_after IS NOT NULL AND process_after <= now() \
                      ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) \
         RETURNING {INBOUND_COLUMNS}"
    )))
    .bind(micros(lease))
    .bind(i64::from(limit))
    .fetch_all(&store.pool)
    .await
    .map_err(backend)?;
    let mut claimed = rows
        .into_iter()
        .map(InboundRecord::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    claimed.sort_by_key(|m| m.id);
    Ok(claimed)
}

pub(crate) async fn mark_processed(store: &PostgresStore, ids: &[i64]) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query("UPDATE inbound_messages SET process_after = NULL WHERE id = ANY($1)")
        .bind(ids)
        .execute(&store.pool)
        .await
        .map_err(backend)?;
    Ok(())
}
