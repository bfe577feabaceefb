//! Recording what dispatchers learnt, in one transaction per batch. Every change is guarded
//! by the message still being `sending` under the claim the outcome names (its claim
//! token), so a late outcome for a message that was cancelled, or claimed again after its
//! lease ran out, changes nothing.

use std::collections::HashMap;

use bote_domain::{MessageId, MessageStatus};
use bote_store::{ClaimToken, Outcome, StoreResult};
use serde_json::json;
use sqlx::SqliteConnection;

use super::receipts::apply_pending;
use super::rows::from_statuses;
use crate::SqliteStore;
use crate::errors::DbResultExt;
use crate::rows::id_array;
use crate::time;

/// Final statuses that customers hear about.
pub(crate) fn reports_back(status: MessageStatus) -> bool {
    matches!(
        status,
        MessageStatus::Delivered
            | MessageStatus::Undelivered
            | MessageStatus::Expired
            | MessageStatus::Rejected
            | MessageStatus::Failed
    )
}

pub(crate) async fn record(
    store: &SqliteStore,
    outcomes: &[(MessageId, ClaimToken, Outcome)],
) -> StoreResult<u64> {
    if outcomes.is_empty() {
        return Ok(0);
    }
    let mut tx = crate::write::begin(store).await?;
    let now = time::text(time::now());
    let mut applied = 0u64;

    // Sent: one statement for the whole batch, then the provider ids of those that applied
    // (each message now `sent` under the claim that sent it). Neither returns a row per
    // message: rows come one by one from sqlx's SQLite thread while the writer is held.
    let sent: Vec<serde_json::Value> = outcomes
        .iter()
        .filter_map(|(id, claim, o)| match o {
            Outcome::Sent { segments, .. } => {
                Some(json!({"id": id.0, "t": claim.0, "s": segments}))
            }
            _ => None,
        })
        .collect();
    if !sent.is_empty() {
        applied += sqlx::query(
            "UPDATE messages SET status = 'sent', sent_at = ?2, segments = v.s, attempts = attempts + 1, \
               lease_until = NULL, reason = NULL \
             FROM (SELECT value ->> 'id' AS id, value ->> 't' AS t, value ->> 's' AS s FROM json_each(?1)) AS v \
             WHERE messages.id = v.id AND messages.status = 'sending' AND messages.claim_token = v.t",
        )
        .bind(serde_json::Value::Array(sent).to_string())
        .bind(&now)
        .execute(&mut *tx)
        .await
        .db()?
        .rows_affected();
        let refs: Vec<serde_json::Value> = outcomes
            .iter()
            .flat_map(|(id, claim, o)| match o {
                Outcome::Sent {
                    connection,
                    provider_ids,
                    ..
                } => provider_ids
                    .iter()
                    .enumerate()
                    .map(|(i, p)| json!({"c": connection, "p": p, "m": id.0, "t": claim.0, "n": i + 1}))
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        if !refs.is_empty() {
            let refs = serde_json::Value::Array(refs).to_string();
            // Only the claims that applied: a stale claim's ids must never match receipts.
            sqlx::query(
                "INSERT INTO message_refs (connection, provider_id, message_id, part) \
                 SELECT j.value ->> 'c', j.value ->> 'p', j.value ->> 'm', j.value ->> 'n' \
                 FROM json_each(?1) j JOIN messages m ON m.id = j.value ->> 'm' \
                 WHERE m.status = 'sent' AND m.claim_token = j.value ->> 't' \
                 ON CONFLICT (connection, provider_id) DO UPDATE SET \
                   message_id = excluded.message_id, part = excluded.part, status = NULL",
            )
            .bind(&refs)
            .execute(&mut *tx)
            .await
            .db()?;
            apply_pending(&mut tx, &refs).await?;
        }
    }

    // Back to the queue (`Retry`, `Defer`: paced messages come by the hundred): one
    // statement for the messages without another outcome in the batch; the others below,
    // one by one in order.
    let mut count: HashMap<i64, u32> = HashMap::new();
    for (id, _, _) in outcomes {
        *count.entry(id.0).or_default() += 1;
    }
    let alone = |id: &MessageId| count[&id.0] == 1;
    let requeued: Vec<serde_json::Value> = outcomes
        .iter()
        .filter(|(id, _, _)| alone(id))
        .filter_map(|(id, claim, o)| match o {
            Outcome::Retry { at, reason } => {
                Some(json!({"id": id.0, "t": claim.0, "at": time::text(*at), "a": 1, "r": reason}))
            }
            Outcome::Defer { until } => {
                Some(json!({"id": id.0, "t": claim.0, "at": time::text(*until), "a": 0, "r": null}))
            }
            _ => None,
        })
        .collect();
    if !requeued.is_empty() {
        let sql = format!(
            "UPDATE messages SET {}, attempts = attempts + v.a, reason = COALESCE(v.r, reason) \
             FROM (SELECT value ->> 'id' AS id, value ->> 't' AS t, value ->> 'at' AS at, \
                   value ->> 'a' AS a, value ->> 'r' AS r FROM json_each(?1)) AS v \
             WHERE messages.id = v.id AND messages.status = 'sending' AND messages.claim_token = v.t",
            back_to_queue("v.at", "?2")
        );
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(serde_json::Value::Array(requeued).to_string())
            .bind(&now)
            .execute(&mut *tx)
            .await
            .db()?;
        applied += done.rows_affected();
    }

    let mut reported = Vec::new();
    for (id, claim, outcome) in outcomes {
        let done = match outcome {
            Outcome::Sent { .. } => continue,
            Outcome::Retry { .. } | Outcome::Defer { .. } if alone(id) => continue,
            Outcome::Retry { at, reason } => {
                let set = format!(
                    "{}, attempts = attempts + 1, reason = ?3",
                    back_to_queue("?2", "?2")
                );
                update(
                    &mut tx,
                    &set,
                    (*id, *claim),
                    Some(time::text(*at)),
                    Some(reason),
                    None,
                    MessageStatus::Queued,
                )
                .await?
            }
            Outcome::Defer { until } => {
                update(
                    &mut tx,
                    &back_to_queue("?2", "?2"),
                    (*id, *claim),
                    Some(time::text(*until)),
                    None,
                    None,
                    MessageStatus::Queued,
                )
                .await?
            }
            Outcome::Final {
                status,
                reason,
                code,
            } => {
                let changed = update(
                    &mut tx,
                    &format!("status = '{}', attempts = attempts + 1, done_at = ?2, reason = ?3, error_code = ?4, lease_until = NULL", status.as_str()),
                    (*id, *claim),
                    Some(now.clone()),
                    Some(reason),
                    code.as_deref(),
                    *status,
                )
                .await?;
                if changed && reports_back(*status) {
                    reported.push(id.0);
                }
                changed
            }
        };
        applied += u64::from(done);
    }
    enqueue_callbacks(&mut tx, &reported, &now).await?;
    tx.commit().await.db()?;
    Ok(applied)
}

/// Back to the queue for a later attempt at `at` — or, when the send was cancelled
/// meanwhile, cancelled at `now`; when it was paused, waiting with the paused ones. Both are
/// SQL expressions.
fn back_to_queue(at: &str, now: &str) -> String {
    format!(
        "status = CASE (SELECT state FROM sends WHERE id = messages.send_id) \
           WHEN 'cancelled' THEN 'cancelled' ELSE 'queued' END, \
         done_at = CASE (SELECT state FROM sends WHERE id = messages.send_id) \
           WHEN 'cancelled' THEN {now} END, \
         next_attempt_at = CASE (SELECT state FROM sends WHERE id = messages.send_id) \
           WHEN 'cancelled' THEN NULL WHEN 'paused' THEN '9999-12-31T23:59:59.999999Z' ELSE {at} END, \
         lease_until = NULL"
    )
}

/// One guarded update of a message still `sending` under `claim`: `?1` id, `?2`..`?4` as
/// the `set` clause uses them, `?5` the claim token.
async fn update(
    conn: &mut SqliteConnection,
    set: &str,
    (id, claim): (MessageId, ClaimToken),
    a: Option<String>,
    b: Option<&String>,
    c: Option<&str>,
    to: MessageStatus,
) -> StoreResult<bool> {
    let sql = format!(
        "UPDATE messages SET {set} WHERE id = ?1 AND status = 'sending' AND claim_token = ?5 \
         AND 'sending' IN ({})",
        from_statuses(to)
    );
    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .bind(a)
        .bind(b)
        .bind(c)
        .bind(claim.0)
        .execute(&mut *conn)
        .await
        .db()?;
    Ok(done.rows_affected() > 0)
}

/// Callbacks for messages of sends that have a callback URL.
pub(crate) async fn enqueue_callbacks(
    conn: &mut SqliteConnection,
    messages: &[i64],
    now: &str,
) -> StoreResult<()> {
    if messages.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO callbacks (account_id, message_id, url, kind, next_attempt_at, created_at) \
         SELECT m.account_id, m.id, s.callback_url, 'delivery_report', ?2, ?2 \
         FROM messages m JOIN sends s ON s.id = m.send_id \
         WHERE m.id IN (SELECT value FROM json_each(?1)) AND s.callback_url IS NOT NULL",
    )
    .bind(id_array(messages.iter().copied()))
    .bind(now)
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(())
}
