//! Outbox rows and their conversion into the store's types.

use std::collections::{BTreeMap, HashMap};

use bote_domain::{ChannelKind, ContactId, MessageId, MessageStatus, SendId};
use bote_store::{MessageRecord, SendRecord, SendState, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use crate::errors::DbResultExt;
use crate::rows::{corrupt, id_array, parse};

pub(crate) const SEND_COLUMNS: &str =
    "id, channel, state, source, content, schedule_at, client_message_id, callback_url, created_at";

pub(crate) const MESSAGE_COLUMNS: &str = "id, send_id, channel, recipient, contact_id, status, reason, \
     error_code, segments, attempts, created_at, sending_at, sent_at, done_at";

pub(crate) fn send_state(value: &str) -> StoreResult<SendState> {
    parse("send state", value)
}

#[derive(sqlx::FromRow)]
pub(crate) struct SendRow {
    id: i64,
    channel: String,
    state: String,
    source: String,
    content: String,
    schedule_at: Option<DateTime<Utc>>,
    client_message_id: Option<String>,
    callback_url: Option<String>,
    created_at: DateTime<Utc>,
}

impl SendRow {
    pub(crate) fn id(&self) -> i64 {
        self.id
    }

    pub(crate) fn into_record(
        self,
        counts: BTreeMap<MessageStatus, u64>,
    ) -> StoreResult<SendRecord> {
        Ok(SendRecord {
            id: SendId(self.id),
            channel: parse::<ChannelKind>("channel", &self.channel)?,
            state: send_state(&self.state)?,
            source: self.source,
            content: serde_json::from_str(&self.content)
                .map_err(|err| corrupt("send content", &self.content, err))?,
            schedule_at: self.schedule_at,
            client_message_id: self.client_message_id,
            callback_url: self.callback_url,
            created_at: self.created_at,
            counts,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    pub(crate) id: i64,
    send_id: i64,
    channel: String,
    recipient: Option<String>,
    contact_id: Option<i64>,
    status: String,
    reason: Option<String>,
    error_code: Option<String>,
    segments: Option<i64>,
    attempts: i64,
    created_at: DateTime<Utc>,
    sending_at: Option<DateTime<Utc>>,
    sent_at: Option<DateTime<Utc>>,
    done_at: Option<DateTime<Utc>>,
}

impl MessageRow {
    pub(crate) fn into_record(self, provider_ids: Vec<String>) -> StoreResult<MessageRecord> {
        Ok(MessageRecord {
            id: MessageId(self.id),
            send_id: SendId(self.send_id),
            channel: parse("channel", &self.channel)?,
            recipient: self.recipient,
            contact_id: self.contact_id.map(ContactId),
            status: parse("message status", &self.status)?,
            reason: self.reason,
            error_code: self.error_code,
            segments: self.segments.map(|s| s as u32),
            attempts: self.attempts as u32,
            provider_ids,
            created_at: self.created_at,
            sending_at: self.sending_at,
            sent_at: self.sent_at,
            done_at: self.done_at,
        })
    }
}

/// Messages by status of each send, in one query.
pub(crate) async fn counts(
    conn: &mut SqliteConnection,
    sends: &[i64],
) -> StoreResult<HashMap<i64, BTreeMap<MessageStatus, u64>>> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT send_id, status, count(*) FROM messages \
         WHERE send_id IN (SELECT value FROM json_each(?1)) GROUP BY send_id, status",
    )
    .bind(id_array(sends.iter().copied()))
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let mut out: HashMap<i64, BTreeMap<MessageStatus, u64>> = HashMap::new();
    for (send, status, n) in rows {
        out.entry(send)
            .or_default()
            .insert(parse("message status", &status)?, n as u64);
    }
    Ok(out)
}

/// Provider ids of each message, in part order, in one query.
pub(crate) async fn provider_ids(
    conn: &mut SqliteConnection,
    messages: &[i64],
) -> StoreResult<HashMap<i64, Vec<String>>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT message_id, provider_id FROM message_refs \
         WHERE message_id IN (SELECT value FROM json_each(?1)) ORDER BY message_id, part",
    )
    .bind(id_array(messages.iter().copied()))
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (m, p) in rows {
        out.entry(m).or_default().push(p);
    }
    Ok(out)
}

pub(crate) async fn records(
    conn: &mut SqliteConnection,
    rows: Vec<MessageRow>,
) -> StoreResult<Vec<MessageRecord>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut refs = provider_ids(conn, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let ids = refs.remove(&r.id).unwrap_or_default();
            r.into_record(ids)
        })
        .collect()
}

/// The statuses a message may be in to become `to`, from the domain's transition table.
pub(crate) fn from_statuses(to: MessageStatus) -> String {
    let from: Vec<String> = MessageStatus::ALL
        .into_iter()
        .filter(|s| s.can_become(to))
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    from.join(", ")
}
