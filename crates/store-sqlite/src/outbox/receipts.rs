//! Delivery receipts: matched to messages by provider id, applied without ever moving a
//! message backwards, kept as pending when their message is not yet known as sent.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bote_domain::MessageStatus;
use bote_store::{ReceiptResult, ReceiptUpdate, StoreResult};
use serde_json::json;
use sqlx::SqliteConnection;

use super::outcomes::{enqueue_callbacks, reports_back};
use super::rows::from_statuses;
use crate::SqliteStore;
use crate::errors::DbResultExt;
use crate::rows::{id_array, parse, text_array};
use crate::time;

pub(crate) async fn apply(
    store: &SqliteStore,
    receipts: &[ReceiptUpdate],
) -> StoreResult<ReceiptResult> {
    let mut result = ReceiptResult::default();
    if receipts.is_empty() {
        return Ok(result);
    }
    // Every (receipt, variant) pair, the first matching variant of each receipt wins.
    let pairs: Vec<serde_json::Value> = receipts
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            r.provider_ids
                .iter()
                .enumerate()
                .map(move |(j, p)| {
                    json!({"i": i, "j": j, "c": r.connection, "p": p, "a": r.account.map(|a| a.0)})
                })
        })
        .collect();
    let mut tx = crate::write::begin(store).await?;
    let now = time::text(time::now());
    // Of its own account's messages first, where the receipt has an account (only then is
    // the message read).
    let rows: Vec<(i64, i64, String, bool)> = sqlx::query_as(
        "SELECT q.value ->> 'i', r.message_id, r.provider_id, \
         (q.value ->> 'a' IS NULL OR EXISTS (SELECT 1 FROM messages m \
            WHERE m.id = r.message_id AND m.account_id = q.value ->> 'a')) AS own \
         FROM json_each(?1) q JOIN message_refs r \
           ON r.connection = q.value ->> 'c' AND r.provider_id = q.value ->> 'p' \
         ORDER BY q.value ->> 'i', own DESC, q.value ->> 'j'",
    )
    .bind(serde_json::Value::Array(pairs).to_string())
    .fetch_all(&mut *tx)
    .await
    .db()?;
    // receipt index -> (message, provider id that matched), by the first match of each; a
    // receipt whose first match is another account's message is dropped.
    let mut found: BTreeMap<usize, (i64, String)> = BTreeMap::new();
    let mut foreign: BTreeSet<usize> = BTreeSet::new();
    for (i, message, provider_id, own) in rows {
        let i = usize::try_from(i).unwrap_or(usize::MAX);
        if found.contains_key(&i) || foreign.contains(&i) {
            continue;
        }
        if own {
            found.insert(i, (message, provider_id));
        } else {
            foreign.insert(i);
        }
    }
    result.foreign = foreign.len() as u64;
    result.matched = found.len() as u64;

    // Unmatched receipts other than intermediate ones wait for their message's ids.
    let waiting: Vec<serde_json::Value> = receipts
        .iter()
        .enumerate()
        .filter(|(i, r)| {
            !found.contains_key(i)
                && !foreign.contains(i)
                && r.status != MessageStatus::Sent
                && !r.provider_ids.is_empty()
        })
        .map(|(_, r)| {
            json!({
                "c": r.connection,
                "p": text_array(r.provider_ids.iter().map(String::as_str)),
                "s": r.status.as_str(),
                "e": r.error_code,
                "a": time::text(r.at),
                "ac": r.account.map(|a| a.0),
            })
        })
        .collect();
    if !waiting.is_empty() {
        result.pending = waiting.len() as u64;
        sqlx::query(
            "INSERT INTO pending_receipts (connection, provider_ids, status, error_code, at, received_at, account_id) \
             SELECT value ->> 'c', value ->> 'p', value ->> 's', value ->> 'e', value ->> 'a', ?2, value ->> 'ac' \
             FROM json_each(?1) ORDER BY key",
        )
        .bind(serde_json::Value::Array(waiting).to_string())
        .bind(&now)
        .execute(&mut *tx)
        .await
        .db()?;
    }

    // Messages with one receipt in the batch: applied together. Messages with several
    // (parts reporting together, repeats) one receipt after the other, in order, as before.
    let mut per_message: HashMap<i64, usize> = HashMap::new();
    for (i, (message, _)) in &found {
        if receipts[*i].status != MessageStatus::Sent {
            *per_message.entry(*message).or_default() += 1;
        }
    }
    let mut single = Vec::new();
    let mut reported = Vec::new();
    for (i, (message, provider_id)) in &found {
        let r = &receipts[*i];
        if r.status == MessageStatus::Sent {
            continue; // ACCEPTD, ENROUTE: still on its way
        }
        if per_message[message] == 1 {
            single.push(json!({
                "m": message,
                "c": r.connection,
                "p": provider_id,
                "s": r.status.as_str(),
                "e": r.error_code,
                "a": time::text(r.at),
                "f": from_status_list(r.status),
            }));
        } else if apply_one(
            &mut tx,
            *message,
            &r.connection,
            provider_id,
            r.status,
            r.error_code.as_deref(),
            &time::text(r.at),
        )
        .await?
        {
            reported.push(*message);
        }
    }
    if !single.is_empty() {
        reported
            .extend(apply_singles(&mut tx, &serde_json::Value::Array(single).to_string()).await?);
    }
    enqueue_callbacks(&mut tx, &reported, &now).await?;
    tx.commit().await.db()?;
    Ok(result)
}

fn from_status_list(to: MessageStatus) -> Vec<&'static str> {
    MessageStatus::ALL
        .into_iter()
        .filter(|s| s.can_become(to))
        .map(|s| s.as_str())
        .collect()
}

/// Applies receipts of distinct messages (`[{m, c, p, s, e, a, f}]` JSON, `f` the statuses
/// allowed to become `s`) as `apply_one` would one by one; the messages to report back.
async fn apply_singles(conn: &mut SqliteConnection, rows: &str) -> StoreResult<Vec<i64>> {
    sqlx::query(
        "UPDATE message_refs SET status = q.value ->> 's' FROM json_each(?1) q \
         WHERE message_refs.connection = q.value ->> 'c' AND message_refs.provider_id = q.value ->> 'p'",
    )
    .bind(rows)
    .execute(&mut *conn)
    .await
    .db()?;
    // `delivered` only once every part reported it; never backwards.
    let changed: Vec<(i64, String)> = sqlx::query_as(
        "UPDATE messages SET status = q.value ->> 's', \
           error_code = COALESCE(q.value ->> 'e', messages.error_code), \
           done_at = COALESCE(messages.done_at, q.value ->> 'a'), lease_until = NULL \
         FROM json_each(?1) q \
         WHERE messages.id = q.value ->> 'm' \
           AND messages.status IN (SELECT f.value FROM json_each(q.value, '$.f') f) \
           AND (q.value ->> 's' <> 'delivered' OR NOT EXISTS ( \
             SELECT 1 FROM message_refs x WHERE x.message_id = messages.id \
             AND (x.status IS NULL OR x.status NOT IN ('delivered', 'read')))) \
         RETURNING messages.id, messages.status",
    )
    .bind(rows)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let mut reported = Vec::new();
    for (id, status) in changed {
        let status: MessageStatus = parse("message status", &status)?;
        if reports_back(status) {
            reported.push(id);
        }
    }
    Ok(reported)
}

/// Applies one matched receipt; true when the message reached a status customers hear about.
async fn apply_one(
    conn: &mut SqliteConnection,
    message: i64,
    connection: &str,
    provider_id: &str,
    status: MessageStatus,
    error_code: Option<&str>,
    at: &str,
) -> StoreResult<bool> {
    if status == MessageStatus::Sent {
        return Ok(false); // ACCEPTD, ENROUTE: still on its way
    }
    sqlx::query("UPDATE message_refs SET status = ?3 WHERE connection = ?1 AND provider_id = ?2")
        .bind(connection)
        .bind(provider_id)
        .bind(status.as_str())
        .execute(&mut *conn)
        .await
        .db()?;
    if status == MessageStatus::Delivered {
        let open: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM message_refs WHERE message_id = ?1 AND (status IS NULL OR status NOT IN ('delivered', 'read'))",
        )
        .bind(message)
        .fetch_one(&mut *conn)
        .await
        .db()?;
        if open > 0 {
            return Ok(false); // other parts still to report
        }
    }
    let sql = format!(
        "UPDATE messages SET status = ?2, error_code = COALESCE(?3, error_code), done_at = COALESCE(done_at, ?4), \
         lease_until = NULL WHERE id = ?1 AND status IN ({})",
        from_statuses(status)
    );
    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(message)
        .bind(status.as_str())
        .bind(error_code)
        .bind(at)
        .execute(&mut *conn)
        .await
        .db()?;
    Ok(done.rows_affected() > 0 && reports_back(status))
}

/// id, connection, provider_id, message_id, status, error_code, at
type PendingRow = (i64, String, String, i64, String, Option<String>, String);

/// Applies the receipts that arrived before these refs (`[{c, p, m, t, n}]` JSON) existed;
/// one that names an account applies only to that account's message. Only refs that were
/// recorded count (a stale claim's are not).
pub(crate) async fn apply_pending(conn: &mut SqliteConnection, refs: &str) -> StoreResult<()> {
    let any: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pending_receipts)")
        .fetch_one(&mut *conn)
        .await
        .db()?;
    if !any {
        return Ok(());
    }
    let pending: Vec<PendingRow> = sqlx::query_as(
        "SELECT p.id, p.connection, j.value ->> 'p', j.value ->> 'm', p.status, p.error_code, p.at \
         FROM pending_receipts p, json_each(p.provider_ids) v JOIN json_each(?1) j \
           ON p.connection = j.value ->> 'c' AND v.value = j.value ->> 'p' \
         JOIN message_refs r ON r.connection = p.connection AND r.provider_id = v.value \
           AND r.message_id = j.value ->> 'm' \
         WHERE p.account_id IS NULL \
           OR p.account_id = (SELECT m.account_id FROM messages m WHERE m.id = j.value ->> 'm') \
         ORDER BY p.id",
    )
    .bind(refs)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    // A receipt matching by several of its variants applies once, by its first.
    let mut pending = pending;
    pending.dedup_by_key(|row| row.0);
    let mut per_message: HashMap<i64, usize> = HashMap::new();
    for row in &pending {
        if row.4 != MessageStatus::Sent.as_str() {
            *per_message.entry(row.3).or_default() += 1;
        }
    }
    // Messages with one waiting receipt: applied together; others one after the other.
    let now = time::text(time::now());
    let mut reported = Vec::new();
    let mut single = Vec::new();
    let done = id_array(pending.iter().map(|row| row.0));
    for (_, connection, provider_id, message, status, error_code, at) in pending {
        let status: MessageStatus = parse("message status", &status)?;
        if status == MessageStatus::Sent {
            continue;
        }
        if per_message[&message] == 1 {
            single.push(json!({
                "m": message,
                "c": connection,
                "p": provider_id,
                "s": status.as_str(),
                "e": error_code,
                "a": at,
                "f": from_status_list(status),
            }));
        } else if apply_one(
            conn,
            message,
            &connection,
            &provider_id,
            status,
            error_code.as_deref(),
            &at,
        )
        .await?
        {
            reported.push(message);
        }
    }
    if !single.is_empty() {
        reported.extend(apply_singles(conn, &serde_json::Value::Array(single).to_string()).await?);
    }
    sqlx::query("DELETE FROM pending_receipts WHERE id IN (SELECT value FROM json_each(?1))")
        .bind(done)
        .execute(&mut *conn)
        .await
        .db()?;
    enqueue_callbacks(conn, &reported, &now).await
}
