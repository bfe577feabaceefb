//! Outbox rows as they come back from PostgreSQL, and the closed sets stored as text.

use std::collections::BTreeMap;
use std::str::FromStr;

use anyhow::anyhow;
use bote_domain::{ChannelKind, ContactId, MessageId, MessageStatus, SendId};
use bote_store::{MessageRecord, SendRecord, SendState, SkipReason, StoreError, StoreResult};
use chrono::{DateTime, Utc};

/// The columns of a [`MessageRow`], from `messages m`.
macro_rules! message_columns {
    () => {
        "m.id, m.send_id, m.channel, m.recipient, m.contact_id, m.status, m.reason, \
         m.error_code, m.segments, m.attempts, m.created_at, m.sending_at, m.sent_at, \
         m.done_at, ARRAY(SELECT r.provider_id FROM message_refs r \
         WHERE r.message_id = m.id ORDER BY r.part) AS provider_ids"
    };
}
/// The columns of a [`SendRow`], from `sends s`.
macro_rules! send_columns {
    () => {
        "s.id, s.channel, s.state, s.source, s.content, s.schedule_at, s.client_message_id, \
         s.callback_url, s.created_at"
    };
}
pub(crate) use {message_columns, send_columns};

fn invalid(column: &str, value: &str) -> StoreError {
    StoreError::Backend(anyhow!("invalid {column} in the database: {value}"))
}

fn parsed<T: FromStr>(column: &str, value: &str) -> StoreResult<T> {
    value.parse().map_err(|_| invalid(column, value))
}

pub(crate) fn status(value: &str) -> StoreResult<MessageStatus> {
    parsed("messages.status", value)
}

pub(crate) fn channel(column: &str, value: &str) -> StoreResult<ChannelKind> {
    parsed(column, value)
}

pub(crate) fn send_state(value: &str) -> StoreResult<SendState> {
    parsed("sends.state", value)
}

pub(crate) fn skip_reason(value: &str) -> StoreResult<SkipReason> {
    parsed("messages.reason", value)
}

/// The statuses a message may have for `next` to apply (`MessageStatus::can_become`).
pub(crate) fn from_states(next: MessageStatus) -> Vec<&'static str> {
    MessageStatus::ALL
        .into_iter()
        .filter(|from| from.can_become(next))
        .map(|from| from.as_str())
        .collect()
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[derive(sqlx::FromRow)]
pub(crate) struct SendRow {
    pub(crate) id: i64,
    channel: String,
    state: String,
    source: String,
    content: serde_json::Value,
    schedule_at: Option<DateTime<Utc>>,
    client_message_id: Option<String>,
    callback_url: Option<String>,
    created_at: DateTime<Utc>,
}

impl SendRow {
    /// The record, with its messages counted by status (`(status, count)` pairs).
    pub(crate) fn into_record(self, counts: &[(String, i64)]) -> StoreResult<SendRecord> {
        let mut by_status = BTreeMap::new();
        for (name, n) in counts {
            by_status.insert(status(name)?, count(*n));
        }
        Ok(SendRecord {
            id: SendId(self.id),
            channel: parsed("sends.channel", &self.channel)?,
            state: send_state(&self.state)?,
            source: self.source,
            content: self.content,
            schedule_at: self.schedule_at,
            client_message_id: self.client_message_id,
            callback_url: self.callback_url,
            created_at: self.created_at,
            counts: by_status,
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
    segments: Option<i32>,
    attempts: i32,
    created_at: DateTime<Utc>,
    sending_at: Option<DateTime<Utc>>,
    sent_at: Option<DateTime<Utc>>,
    done_at: Option<DateTime<Utc>>,
    provider_ids: Vec<String>,
}

impl TryFrom<MessageRow> for MessageRecord {
    type Error = StoreError;

    fn try_from(row: MessageRow) -> StoreResult<MessageRecord> {
        let channel: ChannelKind = parsed("messages.channel", &row.channel)?;
        Ok(MessageRecord {
            id: MessageId(row.id),
            send_id: SendId(row.send_id),
            channel,
            recipient: row.recipient,
            contact_id: row.contact_id.map(ContactId),
            status: status(&row.status)?,
            reason: row.reason,
            error_code: row.error_code,
            segments: row.segments.and_then(|s| u32::try_from(s).ok()),
            attempts: u32::try_from(row.attempts).unwrap_or(0),
            provider_ids: row.provider_ids,
            created_at: row.created_at,
            sending_at: row.sending_at,
            sent_at: row.sent_at,
            done_at: row.done_at,
        })
    }
}

/// Counts as the store's types hold them.
pub(crate) fn unsigned(n: i64) -> u64 {
    count(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_sets_round_trip() {
        for state in [SendState::Active, SendState::Paused, SendState::Cancelled] {
            assert_eq!(send_state(state.as_str()).unwrap(), state);
        }
        assert_eq!(
            skip_reason("outside_test_number").unwrap(),
            SkipReason::OutsideTestNumber
        );
        assert!(skip_reason("other").is_err());
    }

    #[test]
    fn guards_follow_can_become() {
        assert_eq!(
            from_states(MessageStatus::Read),
            ["sending", "sent", "delivered"]
        );
        assert_eq!(from_states(MessageStatus::Delivered), ["sending", "sent"]);
        assert!(from_states(MessageStatus::Queued).contains(&"sending"));
    }
}
