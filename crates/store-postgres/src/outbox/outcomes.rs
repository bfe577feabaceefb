//! Dispatch outcomes: each applies only while its message is `sending` under the claim the
//! outcome names (its claim token): a message cancelled, or claimed again after its lease
//! ran out, is left alone.

use std::collections::{HashMap, HashSet};

use bote_domain::{MessageId, MessageStatus};
use bote_store::{ClaimToken, Outcome, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::callbacks;
use super::receipts::{Matched, apply_matched, lock_provider_ids};
use crate::errors::backend;

pub(crate) async fn record_outcomes(
    pool: &PgPool,
    outcomes: &[(MessageId, ClaimToken, Outcome)],
) -> StoreResult<u64> {
    if outcomes.is_empty() {
        return Ok(0);
    }
    // Outcomes of one message keep their order (the first that applies wins).
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
    let mut messages: Vec<i64> = sorted.iter().map(|(id, _, _)| id.0).collect();
    messages.dedup();
    let mut tx = pool.begin().await.map_err(backend)?;
    lock_provider_ids(&mut tx, &conns, &ids).await?;
    // Row locks on every message, in id order, in one statement.
    sqlx::query("SELECT 1 FROM messages WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        .bind(&messages)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    // The first outcome of each message goes in a set by kind, `Sent` (nearly all) and
    // back to the queue (`Retry`, `Defer`: paced messages come by the hundred); the others,
    // and any later outcome of the same message, one by one after them.
    let mut first = HashSet::new();
    let (mut sent, mut requeued, mut rest) = (Vec::new(), Vec::new(), Vec::new());
    for item in sorted {
        let is_first = first.insert(item.0);
        match (&item.2, is_first) {
            (Outcome::Sent { .. }, true) => sent.push(item),
            (Outcome::Retry { .. } | Outcome::Defer { .. }, true) => requeued.push(item),
            _ => rest.push(item),
        }
    }
    let mut applied = record_sent(&mut tx, &sent).await?;
    applied += requeue(&mut tx, &requeued).await?;
    for item in rest {
        if apply(&mut tx, item).await? {
            applied += 1;
        }
    }
    tx.commit().await.map_err(backend)?;
    Ok(applied)
}

/// `Sent` outcomes of distinct messages, already row-locked: one guarded `UPDATE` for all,
/// then the provider ids of those that applied and the receipts that waited for them.
async fn record_sent(
    conn: &mut PgConnection,
    sent: &[&(MessageId, ClaimToken, Outcome)],
) -> StoreResult<u64> {
    if sent.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = sent.iter().map(|(id, _, _)| id.0).collect();
    let claims: Vec<i64> = sent.iter().map(|(_, claim, _)| claim.0).collect();
    let segments: Vec<i32> = sent
        .iter()
        .map(|(_, _, o)| match o {
            Outcome::Sent { segments, .. } => i32::try_from(*segments).unwrap_or(i32::MAX),
            _ => 0,
        })
        .collect();
    let done: HashSet<i64> = sqlx::query_scalar(
        "UPDATE messages m SET status = 'sent', sent_at = now(), segments = q.s, \
         attempts = m.attempts + 1, reason = NULL, lease_until = NULL, next_attempt_at = NULL \
         FROM unnest($1::bigint[], $2::bigint[], $3::int[]) AS q(id, t, s) \
         WHERE m.id = q.id AND m.status = 'sending' AND m.claim_token = q.t \
         RETURNING m.id",
    )
    .bind(&ids)
    .bind(&claims)
    .bind(&segments)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?
    .into_iter()
    .collect();
    // Only the claims that applied: a stale claim's ids must never match receipts.
    let mut refs = Refs::default();
    for (id, _, outcome) in sent {
        if let Outcome::Sent {
            connection,
            provider_ids,
            ..
        } = outcome
            && done.contains(&id.0)
        {
            refs.add(id.0, connection, provider_ids);
        }
    }
    record_ids(conn, refs).await?;
    Ok(done.len() as u64)
}

/// Provider ids to record: (connection, id) → message and part. An id already known on the
/// connection now names the message given last.
#[derive(Default)]
struct Refs<'a> {
    at: HashMap<(&'a str, &'a str), usize>,
    connections: Vec<&'a str>,
    provider_ids: Vec<&'a str>,
    messages: Vec<i64>,
    parts: Vec<i32>,
}

impl<'a> Refs<'a> {
    /// A message's ids, parts numbered from 1 (each id once, its first place).
    fn add(&mut self, message: i64, connection: &'a str, provider_ids: &'a [String]) {
        let mut seen = HashSet::new();
        let ids = provider_ids
            .iter()
            .map(String::as_str)
            .filter(|id| seen.insert(*id));
        for (part, id) in ids.enumerate() {
            let part = i32::try_from(part + 1).unwrap_or(i32::MAX);
            match self.at.get(&(connection, id)) {
                Some(&k) => (self.messages[k], self.parts[k]) = (message, part),
                None => {
                    self.at.insert((connection, id), self.messages.len());
                    self.connections.push(connection);
                    self.provider_ids.push(id);
                    self.messages.push(message);
                    self.parts.push(part);
                }
            }
        }
    }
}

/// A pending receipt: its id, the connection and variant that matched, status, error code
/// and time.
type PendingRow = (i64, String, String, String, Option<String>, DateTime<Utc>);

/// Records the provider ids of sent messages (an id already known on the connection now
/// names this message) and applies the receipts that waited for them.
async fn record_ids(conn: &mut PgConnection, refs: Refs<'_>) -> StoreResult<()> {
    if refs.messages.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO message_refs (connection, provider_id, message_id, part) \
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[]) \
         ON CONFLICT (connection, provider_id) DO UPDATE \
         SET message_id = EXCLUDED.message_id, part = EXCLUDED.part, state = NULL",
    )
    .bind(&refs.connections)
    .bind(&refs.provider_ids)
    .bind(&refs.messages)
    .bind(&refs.parts)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    // Every pending receipt with a variant among the ids, with its first such variant; one
    // that names an account only for that account's message.
    let mut pending: Vec<PendingRow> = sqlx::query_as(
        "SELECT DISTINCT ON (p.receipt_id) p.receipt_id, p.connection, p.provider_id, \
         p.status, p.error_code, p.at \
         FROM pending_receipts p JOIN unnest($1::text[], $2::text[], $3::bigint[]) AS u(c, id, m) \
         ON p.connection = u.c AND p.provider_id = u.id \
         WHERE p.account_id IS NULL \
           OR p.account_id = (SELECT m.account_id FROM messages m WHERE m.id = u.m) \
         ORDER BY p.receipt_id, p.variant",
    )
    .bind(&refs.connections)
    .bind(&refs.provider_ids)
    .bind(&refs.messages)
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
    pending.sort_by_key(|p| (p.5, p.0));
    let mut matched = Vec::with_capacity(pending.len());
    for (_, connection, provider_id, status, error_code, at) in pending {
        let message = refs.messages[refs.at[&(connection.as_str(), provider_id.as_str())]];
        matched.push(Matched {
            message,
            status: super::rows::status(&status)?,
            connection,
            provider_id,
            error_code,
            at,
        });
    }
    apply_matched(conn, matched).await
}

/// Applies one outcome; false when its message is no longer `sending` under the outcome's
/// claim (a stale claim's provider ids are not recorded either).
async fn apply(
    conn: &mut PgConnection,
    item: &(MessageId, ClaimToken, Outcome),
) -> StoreResult<bool> {
    let (id, claim, outcome) = (item.0.0, item.1.0, &item.2);
    match outcome {
        Outcome::Sent { .. } => Ok(record_sent(conn, &[item]).await? > 0),
        Outcome::Retry { .. } | Outcome::Defer { .. } => Ok(requeue(conn, &[item]).await? > 0),
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

/// Back to `queued` (due at the retry's or deferral's time; a retry counts an attempt and
/// keeps its reason), or `cancelled` when its send was cancelled meanwhile: a cancelled send
/// is never claimed again. The sends are share-locked so a concurrent cancel either sees the
/// queued message or is seen here. Only messages still `sending` under the outcome's claim,
/// each at most once in `items`; returns how many changed.
async fn requeue(
    conn: &mut PgConnection,
    items: &[&(MessageId, ClaimToken, Outcome)],
) -> StoreResult<u64> {
    if items.is_empty() {
        return Ok(0);
    }
    let (mut ids, mut claims, mut ats, mut reasons, mut attempts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (id, claim, outcome) in items {
        let (at, reason, attempt) = match outcome {
            Outcome::Retry { at, reason } => (*at, Some(reason.as_str()), 1),
            Outcome::Defer { until } => (*until, None, 0),
            _ => continue,
        };
        ids.push(id.0);
        claims.push(claim.0);
        ats.push(at);
        reasons.push(reason);
        attempts.push(attempt);
    }
    let done = sqlx::query(
        "WITH s AS (SELECT id, state FROM sends \
           WHERE id IN (SELECT send_id FROM messages WHERE id = ANY($1)) FOR SHARE) \
         UPDATE messages m SET \
         status = CASE WHEN s.state = 'cancelled' THEN 'cancelled' ELSE 'queued' END, \
         next_attempt_at = CASE WHEN s.state = 'cancelled' THEN NULL ELSE q.at END, \
         done_at = CASE WHEN s.state = 'cancelled' THEN now() END, \
         reason = COALESCE(q.reason, m.reason), attempts = m.attempts + q.attempt, lease_until = NULL \
         FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::text[], $5::int[]) \
           AS q(id, t, at, reason, attempt), s \
         WHERE m.id = q.id AND m.status = 'sending' AND m.claim_token = q.t AND s.id = m.send_id",
    )
    .bind(&ids)
    .bind(&claims)
    .bind(&ats)
    .bind(&reasons)
    .bind(&attempts)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(done.rows_affected())
}
