//! Inbound messages waiting for keywords, opt-ins and forwarding: stored in group commits
//! with a lease for the process that stored them, claimed by a worker once a lease has run
//! out (that process died before it marked them processed). The marks are rows of the
//! narrow table `inbound_pending`.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use bote_store::inbound_batch::{ProviderKey, answers, provider_key, record_key};
use bote_store::{InboundRecord, NewInbound, StoreResult};
use chrono::SubsecRound;

use crate::errors::DbResultExt;
use crate::inbound::{InboundRow, inbound_by_ids};
use crate::rows::{first_inserted_id, id_array, json_rows};
use crate::{SqliteStore, time};

/// The end of a lease taken now, as stored.
fn lease_end(lease: Duration) -> String {
    let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
    time::text(time::now() + lease)
}

/// Stores a batch in one transaction and four statements: the earlier copies of its
/// provider ids, every new message in one `INSERT` and their owners read back in one row,
/// and the marks of the routed ones. The write transaction is the only writer, so nothing
/// else inserts between them.
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
    let new = insert_fresh(&mut tx, &messages, &fresh).await?;
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

/// Inserts `messages[at]` for each `at` in `fresh` in that order and returns their records
/// by `at`: ids by [`first_inserted_id`], their owners read back as one JSON row.
async fn insert_fresh(
    conn: &mut sqlx::SqliteConnection,
    messages: &[NewInbound],
    fresh: &[usize],
) -> StoreResult<HashMap<usize, InboundRecord>> {
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
    let created_at = time::now();
    let mut new = HashMap::with_capacity(fresh.len());
    if rows.is_empty() {
        return Ok(new);
    }
    let done = sqlx::query(
        "INSERT INTO inbound_messages (account_id, channel, connection, from_number, \
         to_number, kind, text, provider_id, received_at, created_at) \
         SELECT owner, c, n, f, t, k, x, p, r, ?2 \
         FROM (SELECT (SELECT account_id FROM business_numbers b \
                       WHERE b.channel = value ->> 'c' AND b.number = value ->> 't') AS owner, \
               value ->> 'c' AS c, value ->> 'n' AS n, value ->> 'f' AS f, value ->> 't' AS t, \
               value ->> 'k' AS k, value ->> 'x' AS x, value ->> 'p' AS p, value ->> 'r' AS r, \
               key AS o FROM json_each(?1)) ORDER BY o",
    )
    .bind(serde_json::Value::Array(rows).to_string())
    .bind(time::text(created_at))
    .execute(&mut *conn)
    .await
    .db()?;
    let first = first_inserted_id(&done, fresh.len(), "inbound messages")?;
    let last = first + fresh.len() as i64 - 1;
    let owners: String = sqlx::query_scalar(
        "SELECT json_group_array(json_array(id, account_id)) \
         FROM (SELECT id, account_id FROM inbound_messages WHERE id BETWEEN ?1 AND ?2 ORDER BY id)",
    )
    .bind(first)
    .bind(last)
    .fetch_one(&mut *conn)
    .await
    .db()?;
    let owners: Vec<(i64, Option<i64>)> = json_rows("stored inbound messages", &owners)?;
    for (&at, (id, owner)) in fresh.iter().zip(owners) {
        let m = &messages[at];
        let record = InboundRecord {
            id,
            account: owner.map(bote_domain::AccountId),
            channel: m.channel,
            connection: m.connection.clone(),
            from: m.from.clone(),
            to: m.to.clone(),
            kind: m.kind.clone(),
            text: m.text.clone(),
            provider_id: m.provider_id.clone(),
            received_at: m.received_at.trunc_subsecs(6),
            created_at,
        };
        new.insert(at, record);
    }
    Ok(new)
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
