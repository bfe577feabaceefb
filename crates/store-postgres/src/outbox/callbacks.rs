//! Delivery-report callbacks: enqueued with the status change that calls for them, claimed
//! with a lease like messages, and recorded.

use std::collections::HashMap;

use bote_domain::{AccountId, CallbackId, MessageStatus};
use bote_store::{
    CallbackDue, CallbackKind, CallbackOutcome, CallbackSubject, StoreError, StoreResult,
};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::queries::messages_by_ids;
use crate::errors::backend;
use crate::inbound::inbound_by_ids;

/// Whether reaching `status` calls for a delivery report.
pub(crate) fn reports(status: MessageStatus) -> bool {
    matches!(
        status,
        MessageStatus::Delivered
            | MessageStatus::Undelivered
            | MessageStatus::Expired
            | MessageStatus::Rejected
            | MessageStatus::Failed
    )
}

/// Enqueues a delivery report for the message if its send has a callback URL.
pub(crate) async fn enqueue(conn: &mut PgConnection, message: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO callbacks (account_id, message_id, url, kind) \
         SELECT m.account_id, m.id, s.callback_url, 'delivery_report' \
         FROM messages m JOIN sends s ON s.id = m.send_id \
         WHERE m.id = $1 AND s.callback_url IS NOT NULL",
    )
    .bind(message)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: i64,
    account_id: i64,
    url: String,
    kind: String,
    message_id: Option<i64>,
    inbound_id: Option<i64>,
    attempts: i32,
    due: DateTime<Utc>,
    client_message_id: Option<String>,
}

pub(crate) async fn claim_callbacks(
    pool: &PgPool,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<CallbackDue>> {
    let mut conn = pool.acquire().await.map_err(backend)?;
    // A claimed callback stays `pending` with `next_attempt_at` moved to the lease's end:
    // when the lease runs out it is due again.
    let mut rows: Vec<Claimed> = sqlx::query_as(
        "WITH picked AS MATERIALIZED ( \
           SELECT id, next_attempt_at FROM callbacks \
           WHERE status = 'pending' AND next_attempt_at <= $1 \
           ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
         UPDATE callbacks c SET next_attempt_at = $2, lease_until = $2 FROM picked p \
         WHERE c.id = p.id \
         RETURNING c.id, c.account_id, c.url, c.kind, c.message_id, c.inbound_id, c.attempts, \
         p.next_attempt_at AS due, \
         (SELECT s.client_message_id FROM messages m JOIN sends s ON s.id = m.send_id \
          WHERE m.id = c.message_id) AS client_message_id",
    )
    .bind(now)
    .bind(lease_until)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    rows.sort_by_key(|r| (r.due, r.id));
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.message_id).collect();
    let messages: HashMap<i64, _> = messages_by_ids(&mut conn, &ids)
        .await?
        .into_iter()
        .map(|m| (m.id.0, m))
        .collect();
    let inbound_ids: Vec<i64> = rows.iter().filter_map(|r| r.inbound_id).collect();
    let inbound: HashMap<i64, _> = inbound_by_ids(&mut conn, &inbound_ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    rows.into_iter()
        .map(|row| {
            let kind = match row.kind.as_str() {
                "delivery_report" => CallbackKind::DeliveryReport,
                "inbound" => CallbackKind::Inbound,
                other => {
                    return Err(StoreError::Backend(anyhow::anyhow!(
                        "invalid callbacks.kind in the database: {other}"
                    )));
                }
            };
            let subject = match (row.message_id, row.inbound_id) {
                (Some(id), _) => CallbackSubject::Message {
                    message: messages
                        .get(&id)
                        .cloned()
                        .ok_or(StoreError::NotFound("message"))?,
                    send_client_message_id: row.client_message_id,
                },
                (None, Some(id)) => CallbackSubject::Inbound(
                    inbound
                        .get(&id)
                        .cloned()
                        .ok_or(StoreError::NotFound("inbound message"))?,
                ),
                (None, None) => {
                    return Err(StoreError::Backend(anyhow::anyhow!(
                        "callback {} names neither a message nor an inbound message",
                        row.id
                    )));
                }
            };
            Ok(CallbackDue {
                id: CallbackId(row.id),
                account: AccountId(row.account_id),
                url: row.url,
                kind,
                subject,
                attempts: u32::try_from(row.attempts).unwrap_or(0),
            })
        })
        .collect()
}

pub(crate) async fn record_callbacks(
    pool: &PgPool,
    outcomes: &[(CallbackId, CallbackOutcome)],
) -> StoreResult<()> {
    if outcomes.is_empty() {
        return Ok(());
    }
    // One outcome per callback (the first), in id order.
    let mut sorted: Vec<&(CallbackId, CallbackOutcome)> = outcomes.iter().collect();
    sorted.sort_by_key(|(id, _)| *id);
    sorted.dedup_by_key(|(id, _)| *id);
    let (mut ids, mut statuses, mut ats, mut errors) = (vec![], vec![], vec![], vec![]);
    for (id, outcome) in sorted {
        let (status, at, error) = match outcome {
            CallbackOutcome::Delivered => ("delivered", None, None),
            CallbackOutcome::Retry { at, error } => ("pending", Some(*at), Some(error.as_str())),
            CallbackOutcome::GaveUp { error } => ("gave_up", None, Some(error.as_str())),
        };
        ids.push(id.0);
        statuses.push(status);
        ats.push(at);
        errors.push(error);
    }
    let mut tx = pool.begin().await.map_err(backend)?;
    // Row locks in id order, then one statement for the whole batch.
    sqlx::query("SELECT 1 FROM callbacks WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        .bind(&ids)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    sqlx::query(
        "UPDATE callbacks c SET status = q.s, attempts = c.attempts + 1, lease_until = NULL, \
         next_attempt_at = COALESCE(q.a, c.next_attempt_at), \
         last_error = COALESCE(q.e, c.last_error), \
         done_at = CASE WHEN q.s = 'pending' THEN NULL ELSE now() END \
         FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[]) AS q(id, s, a, e) \
         WHERE c.id = q.id AND c.status = 'pending'",
    )
    .bind(&ids)
    .bind(&statuses)
    .bind(&ats)
    .bind(&errors)
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok(())
}
