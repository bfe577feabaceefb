//! Inbound messages waiting for keywords, opt-ins and forwarding: stored in group commits
//! with a lease for the process that stored them, claimed by a worker once a lease has run
//! out (that process died before it marked them processed).

use std::time::Duration;

use bote_store::{InboundRecord, NewInbound, StoreResult};

use crate::errors::DbResultExt;
use crate::inbound::{INBOUND_COLUMNS, InboundRow, insert_inbound};
use crate::rows::id_array;
use crate::{SqliteStore, time};

/// The end of a lease taken now, as stored.
fn lease_end(lease: Duration) -> String {
    let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
    time::text(time::now() + lease)
}

pub(crate) async fn record_batch(
    store: &SqliteStore,
    messages: Vec<NewInbound>,
    lease: Duration,
) -> StoreResult<Vec<(InboundRecord, bool)>> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let until = lease_end(lease);
    let mut tx = crate::write::begin(store.pool()).await?;
    let mut stored = Vec::with_capacity(messages.len());
    for m in &messages {
        stored.push(insert_inbound(&mut tx, m, Some(&until)).await?);
    }
    tx.commit().await.db()?;
    Ok(stored)
}

pub(crate) async fn claim(
    store: &SqliteStore,
    limit: u32,
    lease: Duration,
) -> StoreResult<Vec<InboundRecord>> {
    let now = time::text(time::now());
    let mut tx = crate::write::begin(store.pool()).await?;
    let rows: Vec<InboundRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE inbound_messages SET process_after = ?1 WHERE id IN \
         (SELECT id FROM inbound_messages WHERE process_after IS NOT NULL \
          AND process_after <= ?2 ORDER BY id LIMIT ?3) \
         RETURNING {INBOUND_COLUMNS}"
    )))
    .bind(lease_end(lease))
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await
    .db()?;
    tx.commit().await.db()?;
    let mut claimed = rows
        .into_iter()
        .map(InboundRecord::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    claimed.sort_by_key(|m| m.id);
    Ok(claimed)
}

pub(crate) async fn mark_processed(store: &SqliteStore, ids: &[i64]) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut tx = crate::write::begin(store.pool()).await?;
    sqlx::query(
        "UPDATE inbound_messages SET process_after = NULL \
         WHERE id IN (SELECT value FROM json_each(?1))",
    )
    .bind(id_array(ids.iter().copied()))
    .execute(&mut *tx)
    .await
    .db()?;
    tx.commit().await.db()?;
    Ok(())
}
