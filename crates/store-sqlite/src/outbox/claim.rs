//! Claiming due messages with a lease. SQLite has one writer, so a claim inside
//! `BEGIN IMMEDIATE` can never hand one message to two dispatchers.

use std::collections::HashMap;

use bote_domain::{AccountId, ChannelKind, ContactId, MessageId, PhoneNumber, SendId};
use bote_store::{ClaimToken, ClaimedMessage, StoreResult};
use chrono::{DateTime, Utc};

use crate::SqliteStore;
use crate::errors::DbResultExt;
use crate::rows::{id_array, json_rows};
use crate::time;

/// id, send_id, account_id, recipient, contact_id, attempts, claim_token
type ClaimRow = (i64, i64, i64, Option<String>, Option<i64>, i64, i64);

pub(crate) async fn claim(
    store: &SqliteStore,
    channel: ChannelKind,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<ClaimedMessage>> {
    let mut tx = crate::write::begin(store).await?;
    let now_text = time::text(now);
    // Due queued messages (paused sends' messages wait at the end of time), and messages
    // whose dispatcher died holding them — unless their send was paused or cancelled since.
    // Each claim increments the message's claim token: an earlier claim's outcome no longer
    // applies (the token read is the one the update writes).
    //
    // The due messages are read as one JSON row, then claimed by id; the write lock, taken
    // at `BEGIN IMMEDIATE`, holds from the read to the update. (An `UPDATE … RETURNING`
    // handed its rows one by one from sqlx's SQLite thread to this task, and the two took
    // turns while holding the one writer.)
    let due: String = sqlx::query_scalar(
        "SELECT json_group_array(json_array(id, send_id, account_id, recipient, contact_id, attempts, claim_token + 1)) \
         FROM messages WHERE id IN (SELECT id FROM ( \
           SELECT * FROM (SELECT id, next_attempt_at AS due FROM messages \
             WHERE channel = ?1 AND status = 'queued' AND next_attempt_at <= ?2 \
             ORDER BY next_attempt_at, id LIMIT ?3) \
           UNION ALL \
           SELECT * FROM (SELECT m.id, m.lease_until AS due FROM messages m JOIN sends s ON s.id = m.send_id \
             WHERE m.channel = ?1 AND m.status = 'sending' AND m.lease_until < ?2 AND s.state = 'active' \
             ORDER BY m.lease_until LIMIT ?3)) \
           ORDER BY due, id LIMIT ?3)",
    )
    .bind(channel.as_str())
    .bind(&now_text)
    .bind(limit as i64)
    .fetch_one(&mut *tx)
    .await
    .db()?;
    let rows: Vec<ClaimRow> = json_rows("claimed messages", &due)?;
    if rows.is_empty() {
        tx.commit().await.db()?;
        return Ok(Vec::new());
    }
    sqlx::query(
        "UPDATE messages SET status = 'sending', sending_at = COALESCE(sending_at, ?2), lease_until = ?3, \
         claim_token = claim_token + 1 \
         WHERE id IN (SELECT value ->> 0 FROM json_each(?1))",
    )
    .bind(&due)
    .bind(&now_text)
    .bind(time::text(lease_until))
    .execute(&mut *tx)
    .await
    .db()?;
    let mut send_ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
    send_ids.sort_unstable();
    send_ids.dedup();
    let contents: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, content FROM sends WHERE id IN (SELECT value FROM json_each(?1))",
    )
    .bind(id_array(send_ids))
    .fetch_all(&mut *tx)
    .await
    .db()?;
    tx.commit().await.db()?;
    let contents: HashMap<i64, serde_json::Value> = contents
        .into_iter()
        .map(|(id, c)| {
            (
                id,
                serde_json::from_str(&c).unwrap_or(serde_json::Value::Null),
            )
        })
        .collect();
    let mut claimed: Vec<ClaimedMessage> = rows
        .into_iter()
        .filter_map(|(id, send, account, recipient, contact, attempts, token)| {
            Some(ClaimedMessage {
                id: MessageId(id),
                claim: ClaimToken(token),
                send_id: SendId(send),
                account: AccountId(account),
                recipient: PhoneNumber::from_e164_unchecked(recipient?),
                contact_id: contact.map(ContactId),
                attempts: attempts as u32,
                content: contents
                    .get(&send)
                    .cloned()
                    .unwrap_or(serde_json::Value::Null),
            })
        })
        .collect();
    claimed.sort_by_key(|m| m.id);
    Ok(claimed)
}
