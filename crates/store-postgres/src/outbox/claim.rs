//! Claiming due messages for dispatch, with a lease.

use bote_domain::{AccountId, ChannelKind, ContactId, MessageId, PhoneNumber, SendId};
use bote_store::{ClaimToken, ClaimedMessage, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::errors::backend;

#[derive(sqlx::FromRow)]
struct Claimed {
    id: i64,
    send_id: i64,
    account_id: i64,
    recipient: String,
    contact_id: Option<i64>,
    attempts: i32,
    claim_token: i64,
    content: serde_json::Value,
    due: DateTime<Utc>,
}

/// One statement: the due messages are picked and locked (`SKIP LOCKED`: rows another
/// claimer holds are left to it) and become `sending`. While `sending`, `next_attempt_at`
/// equals the lease's end, so a message whose lease ran out is due again in the same index
/// range as queued ones. Each claim increments the message's claim token, so an earlier
/// claim's outcome no longer applies.
pub(crate) async fn claim_messages(
    pool: &PgPool,
    channel: ChannelKind,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<ClaimedMessage>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut rows: Vec<Claimed> = sqlx::query_as(
        "WITH picked AS MATERIALIZED ( \
           SELECT m.id, m.next_attempt_at FROM messages m \
           JOIN sends s ON s.id = m.send_id AND s.state = 'active' \
           WHERE m.channel = $1 AND m.status IN ('queued', 'sending') \
           AND m.next_attempt_at <= $2 \
           AND (m.status = 'queued' OR m.lease_until < $2) \
           ORDER BY m.next_attempt_at, m.id LIMIT $4 \
           FOR UPDATE OF m SKIP LOCKED) \
         UPDATE messages m SET status = 'sending', sending_at = COALESCE(m.sending_at, $2), \
         lease_until = $3, next_attempt_at = $3, claim_token = m.claim_token + 1 \
         FROM picked p, sends s WHERE m.id = p.id AND s.id = m.send_id \
         RETURNING m.id, m.send_id, m.account_id, m.recipient, m.contact_id, m.attempts, \
         m.claim_token, s.content, p.next_attempt_at AS due",
    )
    .bind(channel.as_str())
    .bind(now)
    .bind(lease_until)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    rows.sort_by_key(|r| (r.due, r.id));
    Ok(rows
        .into_iter()
        .map(|row| ClaimedMessage {
            id: MessageId(row.id),
            claim: ClaimToken(row.claim_token),
            send_id: SendId(row.send_id),
            account: AccountId(row.account_id),
            recipient: PhoneNumber::from_e164_unchecked(row.recipient),
            contact_id: row.contact_id.map(ContactId),
            attempts: u32::try_from(row.attempts).unwrap_or(0),
            content: row.content,
        })
        .collect())
}
