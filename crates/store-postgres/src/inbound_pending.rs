//! Inbound messages waiting for keywords, opt-ins and forwarding: stored in group commits
//! with a lease for the process that stored them, claimed by a worker of any process once
//! a lease has run out (that process died before it marked them processed). Leases run on
//! the database's clock, so processes with skewed clocks agree. The marks are rows of the
//! narrow table `inbound_pending`, so clearing one does not rewrite the message's row.

use std::collections::HashMap;
use std::time::Duration;

use bote_store::inbound_batch::{ProviderKey, answers, provider_key};
use bote_store::{InboundRecord, NewInbound, StoreError, StoreResult, micros};
use chrono::{DateTime, Utc};

use crate::PostgresStore;
use crate::errors::backend;
use crate::inbound::{INBOUND_COLUMNS, InboundRow};

/// An inserted row and its place in the batch (1-based).
#[derive(sqlx::FromRow)]
struct Ordered {
    o: i64,
    #[sqlx(flatten)]
    row: InboundRow,
}

/// Stores a batch in one transaction: every message in one `INSERT` (each row's id taken
/// beforehand, so the answer maps back to the batch's order), then, only if some were
/// repeats of a provider id (stored before, by another process meanwhile, or earlier in
/// the batch), one `SELECT` of the copies that have them.
pub(crate) async fn record_batch(
    store: &PostgresStore,
    messages: Vec<NewInbound>,
    lease: Duration,
) -> StoreResult<Vec<(InboundRecord, bool)>> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let column = |f: fn(&NewInbound) -> Option<String>| messages.iter().map(f).collect::<Vec<_>>();
    let received: Vec<DateTime<Utc>> = messages.iter().map(|m| m.received_at).collect();
    let mut tx = store.pool.begin().await.map_err(backend)?;
    let rows: Vec<Ordered> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "WITH v AS ( \
           SELECT nextval(pg_get_serial_sequence('inbound_messages', 'id')) AS id, u.* \
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
                       $7::text[], $8::timestamptz[]) WITH ORDINALITY AS u(c, n, f, t, k, x, p, r, o)), \
         ins AS ( \
           INSERT INTO inbound_messages (id, account_id, channel, connection, from_number, \
             to_number, kind, text, provider_id, received_at, created_at) \
           SELECT v.id, owner.account_id, v.c, v.n, v.f, v.t, v.k, v.x, v.p, v.r, now() \
           FROM v LEFT JOIN business_numbers owner ON owner.channel = v.c AND owner.number = v.t \
           ORDER BY v.o \
           ON CONFLICT (channel, connection, provider_id) WHERE provider_id IS NOT NULL DO NOTHING \
           RETURNING {INBOUND_COLUMNS}), \
         marked AS ( \
           INSERT INTO inbound_pending (inbound_id, process_after) \
           SELECT id, now() + $9::bigint * interval '1 microsecond' FROM ins \
           WHERE account_id IS NOT NULL) \
         SELECT v.o, ins.* FROM ins JOIN v ON v.id = ins.id"
    )))
    .bind(column(|m| Some(m.channel.as_str().to_owned())))
    .bind(column(|m| Some(m.connection.clone())))
    .bind(column(|m| Some(m.from.clone())))
    .bind(column(|m| Some(m.to.clone())))
    .bind(column(|m| Some(m.kind.clone())))
    .bind(column(|m| m.text.clone()))
    .bind(column(|m| m.provider_id.clone()))
    .bind(&received)
    .bind(micros(lease))
    .fetch_all(&mut *tx)
    .await
    .map_err(backend)?;
    let mut inserted = HashMap::with_capacity(rows.len());
    for Ordered { o, row } in rows {
        let at = usize::try_from(o - 1).map_err(|e| StoreError::Backend(e.into()))?;
        inserted.insert(at, InboundRecord::try_from(row)?);
    }
    let repeats: Vec<ProviderKey> = (0..messages.len())
        .filter(|at| !inserted.contains_key(at))
        .filter_map(|at| provider_key(&messages[at]))
        .collect();
    let earlier: Vec<InboundRow> = if repeats.is_empty() {
        Vec::new()
    } else {
        let part = |f: fn(&ProviderKey) -> &String| repeats.iter().map(f).collect::<Vec<_>>();
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {INBOUND_COLUMNS} FROM unnest($1::text[], $2::text[], $3::text[]) AS k(c, n, p) \
             JOIN inbound_messages ON channel = k.c AND connection = k.n AND provider_id = k.p \
             WHERE provider_id IS NOT NULL"
        )))
        .bind(part(|k| &k.0))
        .bind(part(|k| &k.1))
        .bind(part(|k| &k.2))
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?
    };
    let earlier = earlier
        .into_iter()
        .map(InboundRecord::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    let answers = answers(&messages, inserted, earlier)?;
    tx.commit().await.map_err(backend)?;
    Ok(answers)
}

pub(crate) async fn claim(
    store: &PostgresStore,
    limit: u32,
    lease: Duration,
) -> StoreResult<Vec<InboundRecord>> {
    // SKIP LOCKED: processes claiming at the same time take different messages. Ordered
    // as the index `inbound_pending_due` is (the leases that ran out first, then by id), so
    // the claim reads only that index whatever the planner knows: ordered by id, before a
    // first ANALYZE it walked the whole table by its primary key (59 ms at 50,000
    // messages, each second, to find none).
    let rows: Vec<InboundRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "WITH claimed AS ( \
           UPDATE inbound_pending \
           SET process_after = now() + $1::bigint * interval '1 microsecond' \
           WHERE inbound_id IN (SELECT inbound_id FROM inbound_pending \
                                WHERE process_after <= now() \
                                ORDER BY process_after, inbound_id LIMIT $2 \
                                FOR UPDATE SKIP LOCKED) \
           RETURNING inbound_id) \
         SELECT {INBOUND_COLUMNS} FROM inbound_messages JOIN claimed ON id = claimed.inbound_id"
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

pub(crate) async fn unprocessed(store: &PostgresStore) -> StoreResult<u64> {
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM inbound_pending")
        .fetch_one(&store.pool)
        .await
        .map_err(backend)?;
    Ok(u64::try_from(count).unwrap_or(0))
}

pub(crate) async fn mark_processed(store: &PostgresStore, ids: &[i64]) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query("DELETE FROM inbound_pending WHERE inbound_id = ANY($1)")
        .bind(ids)
        .execute(&store.pool)
        .await
        .map_err(backend)?;
    Ok(())
}
