//! Dispatch outcomes: each applies only while its message is `sending` under the claim the
//! outcome names (its claim token): a message cancelled, or claimed again after its lease
//! ran out, is left alone.

use std::collections::HashSet;

use bote_domain::{MessageId, MessageStatus};
use bote_store::{ClaimToken, Outcome, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::callbacks;
use super::receipts::{Receipt, apply_to_message, lock_provider_ids};
use crate::errors::backend;

pub(crate) async fn record_outcomes(
    pool: &PgPool,
    outcomes: &[(MessageId, ClaimToken, Outcome)],
) -> StoreResult<u64> {
    if outcomes.is_empty() {
        return Ok(0);
    }
    // Row locks in id order; outcomes of one message keep their order (the first applies).
    let mut sorted: Vec<&(MessageId, ClaimToken, Outcome)> = outcomes.iter().collect();
    sorted.sort_by_key(|(id, _, _)| *id);
    let (mut conns, mut ids) = (Vec::new(), Vec::new());
    for (_, _, outcome) in &sorted {
        if let Outcome::Sent {
            connection,
            provider_ids,
            ..
        } = outcome
        {
            for id in provider_ids {
                conns.push(connection.as_str());
                ids.push(id.as_str());
            }
        }
    }
    let mut tx = pool.begin().await.map_err(backend)?;
    lock_provider_ids(&mut tx, &conns, &ids).await?;
    let mut applied = 0;
    for (id, claim, outcome) in sorted {
        if apply(&mut tx, id.0, claim.0, outcome).await? {
            applied += 1;
        }
    }
    tx.commit().await.map_err(backend)?;
    Ok(applied)
}

/// Applies one outcome of claim `claim` of message `id`; false when it is no longer
/// `sending` under that claim (a stale claim's provider ids are not recorded either).
async fn apply(
    conn: &mut PgConnection,
    id: i64,
    claim: i64,
    outcome: &Outcome,
) -> StoreResult<bool> {
    match outcome {
        Outcome::Sent {
            connection,
            provider_ids,
            segments,
        } => {
            let done = sqlx::query(
                "UPDATE messages SET status = 'sent', sent_at = now(), segments = $2, attempts = attempts + 1, \
                 reason = NULL, lease_until = NULL, next_attempt_at = NULL \
                 WHERE id = $1 AND status = 'sending' AND claim_token = $3",
            )
            .bind(id)
            .bind(i32::try_from(*segments).unwrap_or(i32::MAX))
            .bind(claim)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            record_ids(conn, id, connection, provider_ids).await?;
            Ok(true)
        }
        Outcome::Retry { at, reason } => requeue(conn, id, claim, *at, Some(reason), 1).await,
        Outcome::Defer { until } => requeue(conn, id, claim, *until, None, 0).await,
        Outcome::Final {
            status,
            reason,
            code,
        } => {
            if !MessageStatus::Sending.can_become(*status) || !status.is_final() {
                return Ok(false);
            }
            let done = sqlx::query(
                "UPDATE messages SET status = $2, reason = $3, error_code = $4, attempts = attempts + 1, \
                 done_at = now(), lease_until = NULL, next_attempt_at = NULL \
                 WHERE id = $1 AND status = 'sending' AND claim_token = $5",
            )
            .bind(id)
            .bind(status.as_str())
            .bind(reason)
            .bind(code)
            .bind(claim)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            if callbacks::reports(*status) {
                callbacks::enqueue(conn, id).await?;
            }
            Ok(true)
        }
    }
}

/// Back to `queued` (due at `at`), or `cancelled` when its send was cancelled meanwhile:
/// a cancelled send is never claimed again. The send row is share-locked so a concurrent
/// cancel either sees the queued message or is seen here. Only while `sending` under `claim`.
async fn requeue(
    conn: &mut PgConnection,
    id: i64,
    claim: i64,
    at: DateTime<Utc>,
    reason: Option<&String>,
    attempt: i32,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "WITH s AS (SELECT id, state FROM sends \
           WHERE id = (SELECT send_id FROM messages WHERE id = $1) FOR SHARE) \
         UPDATE messages m SET \
         status = CASE WHEN s.state = 'cancelled' THEN 'cancelled' ELSE 'queued' END, \
         next_attempt_at = CASE WHEN s.state = 'cancelled' THEN NULL ELSE $2 END, \
         done_at = CASE WHEN s.state = 'cancelled' THEN now() END, \
         reason = COALESCE($3, m.reason), attempts = m.attempts + $4, lease_until = NULL \
         FROM s WHERE m.id = $1 AND m.status = 'sending' AND m.claim_token = $5 AND s.id = m.send_id",
    )
    .bind(id)
    .bind(at)
    .bind(reason)
    .bind(attempt)
    .bind(claim)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(done.rows_affected() > 0)
}

/// A pending receipt: its id, the variant that matched, status, error code and time.
type PendingRow = (i64, String, String, Option<String>, DateTime<Utc>);

/// Records the provider ids of a sent message (parts numbered from 1; an id already known
/// on the connection now names this message) and applies receipts that waited for them.
async fn record_ids(
    conn: &mut PgConnection,
    message: i64,
    connection: &str,
    provider_ids: &[String],
) -> StoreResult<()> {
    let mut seen = HashSet::new();
    let ids: Vec<&str> = provider_ids
        .iter()
        .map(String::as_str)
        .filter(|id| seen.insert(*id))
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO message_refs (connection, provider_id, message_id, part) \
         SELECT $1, u.p, $2, u.part FROM unnest($3::text[]) WITH ORDINALITY AS u(p, part) \
         ON CONFLICT (connection, provider_id) DO UPDATE \
         SET message_id = EXCLUDED.message_id, part = EXCLUDED.part, state = NULL",
    )
    .bind(connection)
    .bind(message)
    .bind(&ids)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    // Every pending receipt with a variant among the ids, with its first such variant.
    let mut pending: Vec<PendingRow> = sqlx::query_as(
        "SELECT DISTINCT ON (receipt_id) receipt_id, provider_id, status, error_code, at \
             FROM pending_receipts WHERE connection = $1 AND provider_id = ANY($2) \
             ORDER BY receipt_id, variant",
    )
    .bind(connection)
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    if pending.is_empty() {
        return Ok(());
    }
    let receipt_ids: Vec<i64> = pending.iter().map(|p| p.0).collect();
    sqlx::query("DELETE FROM pending_receipts WHERE receipt_id = ANY($1)")
        .bind(&receipt_ids)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    pending.sort_by_key(|p| (p.4, p.0));
    for (_, provider_id, status, error_code, at) in pending {
        let status = super::rows::status(&status)?;
        let receipt = Receipt {
            status,
            error_code: error_code.as_deref(),
            at,
        };
        apply_to_message(conn, message, connection, &provider_id, receipt).await?;
    }
    Ok(())
}
