//! Delivery receipts: matched to messages by provider id, applied under the transition
//! guard, or kept as pending until the message's ids are recorded.
//!
//! A receipt can race the `Sent` outcome that records its id: each would miss the other's
//! uncommitted row and the receipt would stay pending for ever. Both therefore take a
//! transaction-scoped advisory lock per (connection, provider id) before they look, all
//! of a batch at once and in key order (no deadlocks between batches).

use std::collections::{HashMap, HashSet};

use bote_domain::MessageStatus;
use bote_store::{ReceiptResult, ReceiptUpdate, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::callbacks;
use super::rows::from_states;
use crate::errors::backend;

/// First key of the advisory locks on provider ids ("rcpt" in ASCII).
const RECEIPT_LOCK_CLASS: i32 = 0x7263_7074;

/// Locks every (connection, provider id) pair, in key order.
pub(crate) async fn lock_provider_ids(
    conn: &mut PgConnection,
    connections: &[&str],
    ids: &[&str],
) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "SELECT pg_advisory_xact_lock($1, k) FROM ( \
           SELECT DISTINCT hashtext(c || chr(10) || p) AS k \
           FROM unnest($2::text[], $3::text[]) AS u(c, p) ORDER BY k) keys",
    )
    .bind(RECEIPT_LOCK_CLASS)
    .bind(connections)
    .bind(ids)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}

/// A receipt's id forms, each once, in the order given.
fn variants(receipt: &ReceiptUpdate) -> Vec<&str> {
    let mut seen = HashSet::new();
    receipt
        .provider_ids
        .iter()
        .map(String::as_str)
        .filter(|id| seen.insert(*id))
        .collect()
}

pub(crate) async fn apply_receipts(
    pool: &PgPool,
    receipts: &[ReceiptUpdate],
) -> StoreResult<ReceiptResult> {
    let mut result = ReceiptResult::default();
    if receipts.is_empty() {
        return Ok(result);
    }
    // Every (receipt, variant) pair, flattened for arrays.
    let (mut idx, mut pos, mut conns, mut ids) = (vec![], vec![], vec![], vec![]);
    let mut accounts: Vec<Option<i64>> = vec![];
    for (i, receipt) in receipts.iter().enumerate() {
        for (j, id) in variants(receipt).into_iter().enumerate() {
            idx.push(i as i32);
            pos.push(j as i32);
            conns.push(receipt.connection.as_str());
            ids.push(id);
            accounts.push(receipt.account.map(|a| a.0));
        }
    }
    let mut tx = pool.begin().await.map_err(backend)?;
    lock_provider_ids(&mut tx, &conns, &ids).await?;
    // The first variant of each receipt that matches a recorded id, of its own account
    // where it has one (only then is the message read); else whether an id matched
    // another account's message.
    let rows: Vec<(i32, i64, String, bool)> = sqlx::query_as(
        "SELECT DISTINCT ON (q.i) q.i, r.message_id, r.provider_id, \
         (q.a IS NULL OR EXISTS (SELECT 1 FROM messages m \
                                 WHERE m.id = r.message_id AND m.account_id = q.a)) AS own \
         FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::bigint[]) \
         AS q(i, j, c, p, a) \
         JOIN message_refs r ON r.connection = q.c AND r.provider_id = q.p \
         ORDER BY q.i, own DESC, q.j",
    )
    .bind(&idx)
    .bind(&pos)
    .bind(&conns)
    .bind(&ids)
    .bind(&accounts)
    .fetch_all(&mut *tx)
    .await
    .map_err(backend)?;
    let matched: HashSet<i32> = rows.iter().map(|(i, ..)| *i).collect();
    let (found, foreign): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(.., own)| *own);
    result.foreign = foreign.len() as u64;

    // Unmatched receipts other than intermediate ones wait for their message's ids.
    let waiting: Vec<i32> = (0..receipts.len() as i32)
        .filter(|i| !matched.contains(i))
        .filter(|i| receipts[*i as usize].status != MessageStatus::Sent)
        .collect();
    if !waiting.is_empty() {
        let wait: HashSet<i32> = waiting.iter().copied().collect();
        let keep: Vec<usize> = (0..idx.len()).filter(|k| wait.contains(&idx[*k])).collect();
        let p_idx: Vec<i32> = keep.iter().map(|k| idx[*k]).collect();
        let p_pos: Vec<i32> = keep.iter().map(|k| pos[*k]).collect();
        let p_conns: Vec<&str> = keep.iter().map(|k| conns[*k]).collect();
        let p_ids: Vec<&str> = keep.iter().map(|k| ids[*k]).collect();
        let statuses: Vec<&str> = waiting
            .iter()
            .map(|i| receipts[*i as usize].status.as_str())
            .collect();
        let codes: Vec<Option<&str>> = waiting
            .iter()
            .map(|i| receipts[*i as usize].error_code.as_deref())
            .collect();
        let ats: Vec<DateTime<Utc>> = waiting.iter().map(|i| receipts[*i as usize].at).collect();
        let accounts: Vec<Option<i64>> = waiting
            .iter()
            .map(|i| receipts[*i as usize].account.map(|a| a.0))
            .collect();
        sqlx::query(
            "WITH r AS ( \
               SELECT w.i, w.status, w.code, w.at, w.account, \
               nextval('pending_receipts_receipt_seq') AS receipt_id \
               FROM unnest($1::int[], $2::text[], $3::text[], $4::timestamptz[], $9::bigint[]) \
               AS w(i, status, code, at, account)) \
             INSERT INTO pending_receipts (receipt_id, variant, connection, provider_id, \
             status, error_code, at, account_id) \
             SELECT r.receipt_id, v.j, v.c, v.p, r.status, r.code, r.at, r.account \
             FROM unnest($5::int[], $6::int[], $7::text[], $8::text[]) AS v(i, j, c, p) \
             JOIN r ON r.i = v.i",
        )
        .bind(&waiting)
        .bind(&statuses)
        .bind(&codes)
        .bind(&ats)
        .bind(&p_idx)
        .bind(&p_pos)
        .bind(&p_conns)
        .bind(&p_ids)
        .bind(&accounts)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        result.pending = waiting.len() as u64;
    }

    // Row locks on every matched message, in id order, in one statement.
    let mut messages: Vec<i64> = found.iter().map(|(_, m, ..)| *m).collect();
    messages.sort_unstable();
    messages.dedup();
    sqlx::query("SELECT 1 FROM messages WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        .bind(&messages)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    result.matched = found.len() as u64;

    let matched = found
        .into_iter()
        .map(|(i, message, provider_id, _)| {
            let receipt = &receipts[i as usize];
            Matched {
                message,
                connection: receipt.connection.clone(),
                provider_id,
                status: receipt.status,
                error_code: receipt.error_code.clone(),
                at: receipt.at,
            }
        })
        .collect();
    apply_matched(&mut tx, matched).await?;
    tx.commit().await.map_err(backend)?;
    Ok(result)
}

/// A receipt matched to its message by the provider id it named.
pub(crate) struct Matched {
    pub(crate) message: i64,
    pub(crate) connection: String,
    pub(crate) provider_id: String,
    pub(crate) status: MessageStatus,
    pub(crate) error_code: Option<String>,
    pub(crate) at: DateTime<Utc>,
}

/// Applies matched receipts to their messages, which the caller has row-locked. Messages
/// with one receipt here are applied together; messages with several (parts reporting
/// together, repeats) receipt after receipt, in the order given, as one by one would.
pub(crate) async fn apply_matched(
    conn: &mut PgConnection,
    mut matched: Vec<Matched>,
) -> StoreResult<()> {
    // Intermediate receipts (ACCEPTD, ENROUTE): still on its way, nothing changes.
    matched.retain(|m| m.status != MessageStatus::Sent);
    let mut per_message: HashMap<i64, usize> = HashMap::new();
    for m in &matched {
        *per_message.entry(m.message).or_default() += 1;
    }
    matched.sort_by_key(|m| m.message);
    let mut single = Singles::default();
    for m in matched {
        if per_message[&m.message] == 1 {
            single.messages.push(m.message);
            single.connections.push(m.connection);
            single.provider_ids.push(m.provider_id);
            single.statuses.push(m.status.as_str());
            single.codes.push(m.error_code);
            single.done_ats.push(m.status.is_final().then_some(m.at));
            continue;
        }
        let receipt = Receipt {
            status: m.status,
            error_code: m.error_code.as_deref(),
            at: m.at,
        };
        apply_to_message(conn, m.message, &m.connection, &m.provider_id, receipt).await?;
    }
    if !single.messages.is_empty() {
        apply_singles(conn, &single).await?;
    }
    Ok(())
}

/// Receipts of distinct messages, one per message, as arrays.
#[derive(Default)]
struct Singles {
    messages: Vec<i64>,
    connections: Vec<String>,
    provider_ids: Vec<String>,
    statuses: Vec<&'static str>,
    codes: Vec<Option<String>>,
    done_ats: Vec<Option<DateTime<Utc>>>,
}

/// Every allowed (from, to) transition, as two arrays.
fn transitions() -> (Vec<&'static str>, Vec<&'static str>) {
    let mut from = Vec::new();
    let mut to = Vec::new();
    for a in MessageStatus::ALL {
        for b in MessageStatus::ALL {
            if a.can_become(b) {
                from.push(a.as_str());
                to.push(b.as_str());
            }
        }
    }
    (from, to)
}

/// Applies receipts of distinct messages (already locked) as `apply_to_message` would one
/// by one: the parts' states, then the messages (`delivered` once every part reported
/// it, never backwards), then the delivery reports of those that reached a final status.
async fn apply_singles(conn: &mut PgConnection, s: &Singles) -> StoreResult<()> {
    sqlx::query(
        "UPDATE message_refs r SET state = q.s \
         FROM unnest($1::text[], $2::text[], $3::text[]) AS q(c, p, s) \
         WHERE r.connection = q.c AND r.provider_id = q.p",
    )
    .bind(&s.connections)
    .bind(&s.provider_ids)
    .bind(&s.statuses)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    let (from, to) = transitions();
    let reporting: Vec<&str> = MessageStatus::ALL
        .into_iter()
        .filter(|st| callbacks::reports(*st))
        .map(|st| st.as_str())
        .collect();
    sqlx::query(
        "WITH changed AS ( \
           UPDATE messages m SET status = q.s, error_code = COALESCE(q.e, m.error_code), \
             done_at = COALESCE(m.done_at, q.a), lease_until = NULL, next_attempt_at = NULL \
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[]) AS q(id, s, e, a) \
           WHERE m.id = q.id \
             AND EXISTS (SELECT 1 FROM unnest($5::text[], $6::text[]) AS t(f, n) \
                         WHERE t.f = m.status AND t.n = q.s) \
             AND (q.s <> 'delivered' OR NOT EXISTS ( \
                  SELECT 1 FROM message_refs x WHERE x.message_id = m.id \
                  AND (x.state IS NULL OR x.state NOT IN ('delivered', 'read')))) \
           RETURNING m.id, m.status, m.account_id, m.send_id) \
         INSERT INTO callbacks (account_id, message_id, url, kind) \
         SELECT c.account_id, c.id, s.callback_url, 'delivery_report' \
         FROM changed c JOIN sends s ON s.id = c.send_id \
         WHERE c.status = ANY($7) AND s.callback_url IS NOT NULL \
         ORDER BY c.id",
    )
    .bind(&s.messages)
    .bind(&s.statuses)
    .bind(&s.codes)
    .bind(&s.done_ats)
    .bind(&from)
    .bind(&to)
    .bind(&reporting)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}

pub(crate) struct Receipt<'a> {
    pub(crate) status: MessageStatus,
    pub(crate) error_code: Option<&'a str>,
    pub(crate) at: DateTime<Utc>,
}

/// Applies one matched receipt to its message: a failure of any part at once, `delivered`
/// once every part reported it, never backwards; enqueues the delivery report.
pub(crate) async fn apply_to_message(
    conn: &mut PgConnection,
    message: i64,
    connection: &str,
    provider_id: &str,
    receipt: Receipt<'_>,
) -> StoreResult<()> {
    if receipt.status == MessageStatus::Sent {
        return Ok(());
    }
    // Receipts of two parts may arrive together: the row lock orders them, so the second
    // sees the first part's state.
    sqlx::query("SELECT 1 FROM messages WHERE id = $1 FOR UPDATE")
        .bind(message)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    sqlx::query("UPDATE message_refs SET state = $3 WHERE connection = $1 AND provider_id = $2")
        .bind(connection)
        .bind(provider_id)
        .bind(receipt.status.as_str())
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    if receipt.status == MessageStatus::Delivered {
        let waiting: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM message_refs WHERE message_id = $1 \
             AND (state IS NULL OR state NOT IN ('delivered', 'read')))",
        )
        .bind(message)
        .fetch_one(&mut *conn)
        .await
        .map_err(backend)?;
        if waiting {
            return Ok(());
        }
    }
    let changed = sqlx::query(
        "UPDATE messages SET status = $2, error_code = COALESCE($3, error_code), \
         done_at = COALESCE(done_at, $4), lease_until = NULL, next_attempt_at = NULL \
         WHERE id = $1 AND status = ANY($5)",
    )
    .bind(message)
    .bind(receipt.status.as_str())
    .bind(receipt.error_code)
    .bind(receipt.status.is_final().then_some(receipt.at))
    .bind(from_states(receipt.status))
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    if changed.rows_affected() > 0 && callbacks::reports(receipt.status) {
        callbacks::enqueue(conn, message).await?;
    }
    Ok(())
}
