//! Inbound messages waiting for keywords, opt-ins and forwarding: stored in group commits
//! with a lease for the process that stored them, claimed by a worker once a lease has run
//! out (that process died before it marked them processed). The marks are rows of the
//! narrow table `inbound_pending`.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use bote_store::inbound_batch::{ProviderKey, answers, provider_key, record_key};
use bote_store::{InboundRecord, NewInbound, StoreError, StoreResult};

use crate::errors::DbResultExt;
use crate::inbound::{INBOUND_COLUMNS, InboundRow, inbound_by_ids};
use crate::rows::id_array;
use crate::{SqliteStore, time};

/// The end of a lease taken now, as stored.
fn lease_end(lease: Duration) -> String {
    let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
    time::text(time::now() + lease)
}

/// Stores a batch in one transaction and three statements: the earlier copies of its
/// provider ids, every new message in one `INSERT`, and the marks of the routed ones. The
/// write transaction is the only writer, so nothing else inserts between them.
pub(crate) async fn record_batch(
    store: &SqliteStore,
    messages: Vec<NewInbound>,
    lease: Duration,
) -> StoreResult<Vec<(InboundRecord, bool)>> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<serde_json::Value> = messages
        .iter()
        .filter_map(provider_key)
        .map(|(channel, connection, id)| serde_json::json!([channel, connection, id]))
        .collect();
    let mut tx = crate::write::begin(store).await?;
    let earlier: Vec<InboundRow> = if keys.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as(
            "SELECT m.* FROM json_each(?1) AS j JOIN inbound_messages AS m \
             ON m.channel = j.value ->> 0 AND m.connection = j.value ->> 1 \
             AND m.provider_id = j.value ->> 2 WHERE m.provider_id IS NOT NULL",
        )
        .bind(serde_json::Value::Array(keys).to_string())
        .fetch_all(&mut *tx)
        .await
        .db()?
    };
    let earlier = earlier
        .into_iter()
        .map(InboundRecord::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    let mut taken: HashSet<ProviderKey> = earlier.iter().filter_map(record_key).collect();
    let fresh: Vec<usize> = (0..messages.len())
        .filter(|&at| provider_key(&messages[at]).is_none_or(|key| taken.insert(key)))
        .collect();
    let rows: Vec<serde_json::Value> = fresh
        .iter()
        .map(|&at| {
            let m = &messages[at];
            serde_json::json!({
                "c": m.channel.as_str(), "n": m.connection, "f": m.from, "t": m.to,
                "k": m.kind, "x": m.text, "p": m.provider_id, "r": time::text(m.received_at),
            })
        })
        .collect();
    let inserted: Vec<InboundRow> = if rows.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO inbound_messages (account_id, channel, connection, from_number, \
             to_number, kind, text, provider_id, received_at, created_at) \
             SELECT owner, c, n, f, t, k, x, p, r, ?2 \
             FROM (SELECT (SELECT account_id FROM business_numbers b \
                           WHERE b.channel = value ->> 'c' AND b.number = value ->> 't') AS owner, \
                   value ->> 'c' AS c, value ->> 'n' AS n, value ->> 'f' AS f, value ->> 't' AS t, \
                   value ->> 'k' AS k, value ->> 'x' AS x, value ->> 'p' AS p, value ->> 'r' AS r, \
                   key AS o FROM json_each(?1)) ORDER BY o \
             RETURNING {INBOUND_COLUMNS}"
        )))
        .bind(serde_json::Value::Array(rows).to_string())
        .bind(time::text(time::now()))
        .fetch_all(&mut *tx)
        .await
        .db()?
    };
    let mut inserted = inserted
        .into_iter()
        .map(InboundRecord::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    // Ids are given in insertion order, which is the batch's order.
    inserted.sort_by_key(|r| r.id);
    if inserted.len() != fresh.len() {
        return Err(StoreError::Backend(anyhow::anyhow!(
            "stored {} of {} inbound messages",
            inserted.len(),
            fresh.len()
        )));
    }
    let mut new = HashMap::with_capacity(fresh.len());
    for (at, record) in fresh.into_iter().zip(inserted) {
        let m = &messages[at];
        if record.from != m.from || record.provider_id != m.provider_id {
            return Err(StoreError::Backend(anyhow::anyhow!(
                "stored inbound messages came back out of order"
            )));
        }
        new.insert(at, record);
    }
    let routed = id_array(new.values().filter(|r| r.account.is_some()).map(|r| r.id));
    if routed != "[]" {
        sqlx::query(
            "INSERT INTO inbound_pending (inbound_id, process_after) \
             SELECT value, ?2 FROM json_each(?1)",
        )
        .bind(routed)
        .bind(lease_end(lease))
        .execute(&mut *tx)
        .await
        .db()?;
    }
    let answers = answers(&messages, new, earlier)?;
    tx.commit().await.db()?;
    Ok(answers)
}

pub(crate) async fn claim(
    store: &SqliteStore,
    limit: u32,
    lease: Duration,
) -> StoreResult<Vec<InboundRecord>> {
    let now = time::text(time::now());
    let mut tx = crate::write::begin(store).await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "UPDATE inbound_pending SET process_after = ?1 WHERE inbound_id IN \
         (SELECT inbound_id FROM inbound_pending WHERE process_after <= ?2 \
          ORDER BY process_after, inbound_id LIMIT ?3) \
         RETURNING inbound_id",
    )
    .bind(lease_end(lease))
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await
    .db()?;
    let mut claimed = inbound_by_ids(&mut tx, ids).await?;
    tx.commit().await.db()?;
    claimed.sort_by_key(|m| m.id);
    Ok(claimed)
}

pub(crate) async fn unprocessed(store: &SqliteStore) -> StoreResult<u64> {
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM inbound_pending")
        .fetch_one(store.pool())
        .await
        .db()?;
    Ok(u64::try_from(count).unwrap_or(0))
}

pub(crate) async fn mark_processed(store: &SqliteStore, ids: &[i64]) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut tx = crate::write::begin(store).await?;
    sqlx::query(
        "DELETE FROM inbound_pending WHERE inbound_id IN (SELECT value FROM json_each(?1))",
    )
    .bind(id_array(ids.iter().copied()))
    .execute(&mut *tx)
    .await
    .db()?;
    tx.commit().await.db()?;
    Ok(())
}
