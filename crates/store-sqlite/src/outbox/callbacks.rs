//! The callback outbox: claimed with a lease like messages, recorded per attempt.

use std::collections::HashMap;

use bote_domain::{AccountId, CallbackId};
use bote_store::{
    CallbackDue, CallbackKind, CallbackOutcome, CallbackSubject, InboundRecord, StoreError,
    StoreResult,
};
use chrono::{DateTime, Utc};
use serde_json::json;

use super::rows::{MESSAGE_COLUMNS, MessageRow, records};
use crate::SqliteStore;
use crate::errors::DbResultExt;
use crate::inbound::inbound_by_ids;
use crate::rows::id_array;
use crate::time;

pub(crate) async fn claim(
    store: &SqliteStore,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<CallbackDue>> {
    let mut tx = crate::write::begin(store).await?;
    let now = time::text(now);
    let rows: Vec<Claimed> = sqlx::query_as(
        "UPDATE callbacks SET lease_until = ?2 WHERE id IN ( \
           SELECT id FROM callbacks WHERE status = 'pending' AND next_attempt_at <= ?1 \
             AND (lease_until IS NULL OR lease_until < ?1) ORDER BY next_attempt_at, id LIMIT ?3) \
         RETURNING id, account_id, message_id, inbound_id, url, kind, attempts, next_attempt_at",
    )
    .bind(&now)
    .bind(time::text(lease_until))
    .bind(limit as i64)
    .fetch_all(&mut *tx)
    .await
    .db()?;
    if rows.is_empty() {
        tx.commit().await.db()?;
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.message_id).collect();
    let messages: Vec<MessageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id IN (SELECT value FROM json_each(?1))"
    )))
    .bind(id_array(ids.iter().copied()))
    .fetch_all(&mut *tx)
    .await
    .db()?;
    let mut messages: HashMap<i64, _> = records(&mut tx, messages)
        .await?
        .into_iter()
        .map(|m| (m.id.0, m))
        .collect();
    let client_ids: Vec<(i64, Option<String>)> = sqlx::query_as(
        "SELECT m.id, s.client_message_id FROM messages m JOIN sends s ON s.id = m.send_id \
         WHERE m.id IN (SELECT value FROM json_each(?1))",
    )
    .bind(id_array(ids.iter().copied()))
    .fetch_all(&mut *tx)
    .await
    .db()?;
    let inbound_ids = rows.iter().filter_map(|r| r.inbound_id);
    let mut inbound: HashMap<i64, InboundRecord> = inbound_by_ids(&mut tx, inbound_ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    tx.commit().await.db()?;
    let client_ids: HashMap<i64, Option<String>> = client_ids.into_iter().collect();
    let mut rows = rows;
    rows.sort_by(|a, b| (&a.next_attempt_at, a.id).cmp(&(&b.next_attempt_at, b.id)));
    rows.into_iter()
        .filter_map(|row| {
            let subject = match (row.message_id, row.inbound_id) {
                (Some(message), _) => CallbackSubject::Message {
                    send_client_message_id: client_ids.get(&message).cloned().flatten(),
                    message: messages.remove(&message)?,
                },
                (None, Some(id)) => CallbackSubject::Inbound(inbound.remove(&id)?),
                (None, None) => return None,
            };
            let kind = match row.kind.as_str() {
                "delivery_report" => CallbackKind::DeliveryReport,
                "inbound" => CallbackKind::Inbound,
                other => {
                    return Some(Err(StoreError::Backend(anyhow::anyhow!(
                        "invalid callbacks.kind in the database: {other}"
                    ))));
                }
            };
            Some(Ok(CallbackDue {
                id: CallbackId(row.id),
                account: AccountId(row.account_id),
                url: row.url,
                kind,
                subject,
                attempts: row.attempts as u32,
            }))
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: i64,
    account_id: i64,
    message_id: Option<i64>,
    inbound_id: Option<i64>,
    url: String,
    kind: String,
    attempts: i64,
    next_attempt_at: String,
}

pub(crate) async fn record(
    store: &SqliteStore,
    outcomes: &[(CallbackId, CallbackOutcome)],
) -> StoreResult<()> {
    if outcomes.is_empty() {
        return Ok(());
    }
    // `o`: d(elivered), r(etry at `a`) or g(ave up); one statement for the whole batch.
    let rows: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|(id, outcome)| match outcome {
            CallbackOutcome::Delivered => json!({"id": id.0, "o": "d"}),
            CallbackOutcome::Retry { at, error } => {
                json!({"id": id.0, "o": "r", "a": time::text(*at), "e": error})
            }
            CallbackOutcome::GaveUp { error } => json!({"id": id.0, "o": "g", "e": error}),
        })
        .collect();
    let mut tx = crate::write::begin(store).await?;
    let now = time::text(time::now());
    sqlx::query(
        "UPDATE callbacks SET \
           status = CASE q.value ->> 'o' WHEN 'd' THEN 'delivered' WHEN 'g' THEN 'failed' \
             ELSE callbacks.status END, \
           done_at = CASE WHEN q.value ->> 'o' IN ('d', 'g') THEN ?2 ELSE callbacks.done_at END, \
           next_attempt_at = COALESCE(q.value ->> 'a', callbacks.next_attempt_at), \
           last_error = COALESCE(q.value ->> 'e', callbacks.last_error), \
           attempts = callbacks.attempts + 1, lease_until = NULL \
         FROM json_each(?1) q WHERE callbacks.id = q.value ->> 'id'",
    )
    .bind(serde_json::Value::Array(rows).to_string())
    .bind(&now)
    .execute(&mut *tx)
    .await
    .db()?;
    tx.commit().await.db()?;
    Ok(())
}
