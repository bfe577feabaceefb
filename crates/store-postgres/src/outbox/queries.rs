//! Reading sends and messages, and changing a send's state.

use std::collections::HashMap;

use bote_domain::{AccountId, ContactId, MessageId, SendId};
use bote_store::{
    Contact, MessageQuery, MessageRecord, Page, SendRecord, SendState, StoreError, StoreResult,
};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use super::rows::{MessageRow, SendRow, message_columns, send_columns};
use crate::contacts::group_codes;
use crate::errors::backend;
use crate::rows::{ContactRow, contact_columns, paginate};

/// Messages of these sends counted by status, per send.
async fn counts(
    conn: &mut PgConnection,
    sends: &[i64],
) -> StoreResult<HashMap<i64, Vec<(String, i64)>>> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT send_id, status, count(*) FROM messages WHERE send_id = ANY($1) \
         GROUP BY send_id, status",
    )
    .bind(sends)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    let mut by_send: HashMap<i64, Vec<(String, i64)>> = HashMap::new();
    for (send, status, n) in rows {
        by_send.entry(send).or_default().push((status, n));
    }
    Ok(by_send)
}

async fn records(conn: &mut PgConnection, rows: Vec<SendRow>) -> StoreResult<Vec<SendRecord>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut counts = counts(conn, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let counts = counts.remove(&row.id).unwrap_or_default();
            row.into_record(&counts)
        })
        .collect()
}

/// The send of this account, with its counts.
pub(crate) async fn send_record(
    conn: &mut PgConnection,
    account: AccountId,
    id: SendId,
) -> StoreResult<SendRecord> {
    let row: Option<SendRow> = sqlx::query_as(concat!(
        "SELECT ",
        send_columns!(),
        " FROM sends s WHERE s.account_id = $1 AND s.id = $2"
    ))
    .bind(account.0)
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await
    .map_err(backend)?;
    let row = row.ok_or(StoreError::NotFound("send"))?;
    Ok(records(conn, vec![row]).await?.remove(0))
}

pub(crate) async fn list_sends(
    pool: &PgPool,
    account: AccountId,
    before: Option<SendId>,
    limit: u32,
) -> StoreResult<Page<SendRecord>> {
    let limit = limit.max(1);
    let mut conn = pool.acquire().await.map_err(backend)?;
    let rows: Vec<SendRow> = sqlx::query_as(concat!(
        "SELECT ",
        send_columns!(),
        " FROM sends s WHERE s.account_id = $1 AND ($2::bigint IS NULL OR s.id < $2) ",
        "ORDER BY s.id DESC LIMIT $3"
    ))
    .bind(account.0)
    .bind(before.map(|b| b.0))
    .bind(i64::from(limit) + 1)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    let (rows, next_after) = paginate(rows, limit as usize, |r| r.id);
    let items = records(&mut conn, rows).await?;
    Ok(Page { items, next_after })
}

/// Pauses, resumes or cancels; see `OutboxStore::set_send_state`.
pub(crate) async fn set_send_state(
    pool: &PgPool,
    account: AccountId,
    id: SendId,
    state: SendState,
) -> StoreResult<SendRecord> {
    let mut tx = pool.begin().await.map_err(backend)?;
    let current: Option<String> =
        sqlx::query_scalar("SELECT state FROM sends WHERE account_id = $1 AND id = $2 FOR UPDATE")
            .bind(account.0)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
    let current = current.ok_or(StoreError::NotFound("send"))?;
    if current == SendState::Cancelled.as_str() && state != SendState::Cancelled {
        return Err(StoreError::Conflict {
            what: "send state",
            value: current,
        });
    }
    sqlx::query("UPDATE sends SET state = $3 WHERE account_id = $1 AND id = $2")
        .bind(account.0)
        .bind(id.0)
        .bind(state.as_str())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    if state == SendState::Cancelled {
        // Queued messages, and sending ones whose dispatcher is gone (lease over): a
        // cancelled send is never claimed again, so they would stay `sending` for ever.
        // Locked in id order, like outcomes and receipts lock them.
        sqlx::query(
            "UPDATE messages SET status = 'cancelled', done_at = now(), \
             next_attempt_at = NULL, lease_until = NULL \
             WHERE id IN (SELECT id FROM messages WHERE send_id = $1 AND account_id = $2 \
             AND (status = 'queued' OR (status = 'sending' AND lease_until < now())) \
             ORDER BY id FOR UPDATE)",
        )
        .bind(id.0)
        .bind(account.0)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    }
    let record = send_record(&mut tx, account, id).await?;
    tx.commit().await.map_err(backend)?;
    Ok(record)
}

pub(crate) async fn message(
    pool: &PgPool,
    account: AccountId,
    id: MessageId,
) -> StoreResult<MessageRecord> {
    let row: Option<MessageRow> = sqlx::query_as(concat!(
        "SELECT ",
        message_columns!(),
        " FROM messages m WHERE m.account_id = $1 AND m.id = $2"
    ))
    .bind(account.0)
    .bind(id.0)
    .fetch_optional(pool)
    .await
    .map_err(backend)?;
    row.ok_or(StoreError::NotFound("message"))?.try_into()
}

/// Messages by id, whatever their account (callbacks carry their account).
pub(crate) async fn messages_by_ids(
    conn: &mut PgConnection,
    ids: &[i64],
) -> StoreResult<Vec<MessageRecord>> {
    let rows: Vec<MessageRow> = sqlx::query_as(concat!(
        "SELECT ",
        message_columns!(),
        " FROM messages m WHERE m.id = ANY($1)"
    ))
    .bind(ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

pub(crate) async fn list_messages(
    pool: &PgPool,
    account: AccountId,
    query: MessageQuery,
) -> StoreResult<Page<MessageRecord>> {
    let mut sql = QueryBuilder::<Postgres>::new(concat!(
        "SELECT ",
        message_columns!(),
        " FROM messages m WHERE m.account_id = "
    ));
    sql.push_bind(account.0);
    if let Some(send) = query.send {
        sql.push(" AND m.send_id = ").push_bind(send.0);
    }
    if let Some(recipient) = &query.recipient {
        sql.push(" AND m.recipient = ")
            .push_bind(recipient.as_str().to_owned());
    }
    if let Some(status) = query.status {
        sql.push(" AND m.status = ").push_bind(status.as_str());
    }
    if let Some(after) = query.after {
        sql.push(" AND m.id > ").push_bind(after.0);
    }
    let limit = query.limit.max(1);
    sql.push(" ORDER BY m.id LIMIT ")
        .push_bind(i64::from(limit) + 1);
    let rows: Vec<MessageRow> = sql
        .build_query_as()
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    let (rows, next_after) = paginate(rows, limit as usize, |r| r.id);
    let items = rows
        .into_iter()
        .map(TryInto::try_into)
        .collect::<StoreResult<_>>()?;
    Ok(Page { items, next_after })
}

/// The account's contacts among `ids`, ordered by id; ids of no contact are left out.
pub(crate) async fn contacts_by_ids(
    pool: &PgPool,
    account: AccountId,
    ids: &[ContactId],
) -> StoreResult<Vec<Contact>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = ids.iter().map(|c| c.0).collect();
    let rows: Vec<ContactRow> = sqlx::query_as(concat!(
        "SELECT ",
        contact_columns!(),
        " FROM contacts WHERE account_id = $1 AND id = ANY($2) ORDER BY id"
    ))
    .bind(account.0)
    .bind(&ids)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    let found: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut codes = group_codes(pool, account, &found).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let groups = codes.remove(&row.id).unwrap_or_default();
            row.into_contact(groups)
        })
        .collect())
}

pub(crate) async fn unfinished_messages(
    pool: &PgPool,
    account: Option<AccountId>,
) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages WHERE status IN ('queued', 'sending', 'sent') \
         AND ($1::bigint IS NULL OR account_id = $1)",
    )
    .bind(account.map(|a| a.0))
    .fetch_one(pool)
    .await
    .map_err(backend)?;
    Ok(super::rows::unsigned(n))
}
