//! Reading sends and messages back, and changing a send's state.

use bote_domain::{AccountId, ContactId, MessageId, SendId};
use bote_store::{
    Contact, MessageQuery, MessageRecord, Page, SendRecord, SendState, StoreError, StoreResult,
};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::rows::{MESSAGE_COLUMNS, MessageRow, SEND_COLUMNS, SendRow, counts, records};
use crate::SqliteStore;
use crate::errors::DbResultExt;
use crate::time;

/// Where paused messages wait: later than any real time, so claims never reach them.
pub(crate) const PAUSED_UNTIL: &str = "9999-12-31T23:59:59.999999Z";

pub(crate) async fn send_record(
    conn: &mut SqliteConnection,
    account: AccountId,
    id: SendId,
) -> StoreResult<SendRecord> {
    let row: Option<SendRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SEND_COLUMNS} FROM sends WHERE id = ?1 AND account_id = ?2"
    )))
    .bind(id.0)
    .bind(account.0)
    .fetch_optional(&mut *conn)
    .await
    .db()?;
    let row = row.ok_or(StoreError::NotFound("send"))?;
    let mut counts = counts(conn, &[id.0]).await?;
    row.into_record(counts.remove(&id.0).unwrap_or_default())
}

pub(crate) async fn list_sends(
    pool: &SqlitePool,
    account: AccountId,
    before: Option<SendId>,
    limit: u32,
) -> StoreResult<Page<SendRecord>> {
    let limit = limit.max(1) as i64;
    let mut conn = pool.acquire().await.db()?;
    let mut rows: Vec<SendRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SEND_COLUMNS} FROM sends WHERE account_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"
    )))
    .bind(account.0)
    .bind(before.map_or(i64::MAX, |b| b.0))
    .bind(limit + 1)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let ids: Vec<i64> = rows.iter().map(|r| r.id()).collect();
    let mut counts = counts(&mut conn, &ids).await?;
    let next_after = if more { ids.last().copied() } else { None };
    let items = rows
        .into_iter()
        .map(|r| {
            let c = counts.remove(&r.id()).unwrap_or_default();
            r.into_record(c)
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page { items, next_after })
}

pub(crate) async fn set_state(
    store: &SqliteStore,
    account: AccountId,
    id: SendId,
    state: SendState,
) -> StoreResult<SendRecord> {
    let mut tx = crate::write::begin(store).await?;
    let current: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT state, schedule_at FROM sends WHERE id = ?1 AND account_id = ?2")
            .bind(id.0)
            .bind(account.0)
            .fetch_optional(&mut *tx)
            .await
            .db()?;
    let (current, schedule_at) = current.ok_or(StoreError::NotFound("send"))?;
    if current == "cancelled" && state != SendState::Cancelled {
        return Err(StoreError::Conflict {
            what: "send state",
            value: "cancelled".into(),
        });
    }
    let now = time::text(time::now());
    sqlx::query("UPDATE sends SET state = ?2 WHERE id = ?1")
        .bind(id.0)
        .bind(state.as_str())
        .execute(&mut *tx)
        .await
        .db()?;
    match state {
        SendState::Paused => {
            sqlx::query(
                "UPDATE messages SET next_attempt_at = ?2 WHERE send_id = ?1 AND status = 'queued'",
            )
            .bind(id.0)
            .bind(PAUSED_UNTIL)
            .execute(&mut *tx)
            .await
            .db()?;
        }
        SendState::Active => {
            let due = schedule_at.filter(|s| *s > now).unwrap_or(now);
            sqlx::query(
                "UPDATE messages SET next_attempt_at = ?2 WHERE send_id = ?1 AND status = 'queued' AND next_attempt_at = ?3",
            )
            .bind(id.0)
            .bind(due)
            .bind(PAUSED_UNTIL)
            .execute(&mut *tx)
            .await
            .db()?;
        }
        SendState::Cancelled => {
            sqlx::query(
                "UPDATE messages SET status = 'cancelled', reason = 'send cancelled', done_at = ?2, next_attempt_at = NULL \
                 WHERE send_id = ?1 AND status = 'queued'",
            )
            .bind(id.0)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .db()?;
        }
    }
    let record = send_record(&mut tx, account, id).await?;
    tx.commit().await.db()?;
    Ok(record)
}

pub(crate) async fn message(
    pool: &SqlitePool,
    account: AccountId,
    id: MessageId,
) -> StoreResult<MessageRecord> {
    let mut conn = pool.acquire().await.db()?;
    let row: Option<MessageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1 AND account_id = ?2"
    )))
    .bind(id.0)
    .bind(account.0)
    .fetch_optional(&mut *conn)
    .await
    .db()?;
    let row = row.ok_or(StoreError::NotFound("message"))?;
    Ok(records(&mut conn, vec![row]).await?.remove(0))
}

pub(crate) async fn list_messages(
    pool: &SqlitePool,
    account: AccountId,
    query: MessageQuery,
) -> StoreResult<Page<MessageRecord>> {
    let limit = query.limit.max(1) as i64;
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE account_id = "
    ));
    q.push_bind(account.0);
    q.push(" AND id > ")
        .push_bind(query.after.map_or(0, |a| a.0));
    if let Some(send) = query.send {
        q.push(" AND send_id = ").push_bind(send.0);
    }
    if let Some(r) = &query.recipient {
        q.push(" AND recipient = ").push_bind(r.as_str().to_owned());
    }
    if let Some(s) = query.status {
        q.push(" AND status = ").push_bind(s.as_str());
    }
    q.push(" ORDER BY id LIMIT ").push_bind(limit + 1);
    let mut conn = pool.acquire().await.db()?;
    let mut rows: Vec<MessageRow> = q.build_query_as().fetch_all(&mut *conn).await.db()?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_after = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok(Page {
        items: records(&mut conn, rows).await?,
        next_after,
    })
}

pub(crate) async fn contacts_by_ids(
    pool: &SqlitePool,
    account: AccountId,
    ids: &[ContactId],
) -> StoreResult<Vec<Contact>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let mut conn = pool.acquire().await.db()?;
        let rows: Vec<crate::rows::ContactRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM contacts WHERE account_id = ?1 AND id IN (SELECT value FROM json_each(?2))",
            crate::rows::contact_columns!()
        )))
        .bind(account.0)
        .bind(crate::rows::id_array(chunk.iter().map(|c| c.0)))
        .fetch_all(&mut *conn)
        .await
        .db()?;
        let row_ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut codes = crate::contacts::group_codes(&mut conn, account, &row_ids).await?;
        for row in rows {
            let groups = codes.remove(&row.id).unwrap_or_default();
            out.push(row.into_contact(groups)?);
        }
    }
    Ok(out)
}

pub(crate) async fn unfinished(pool: &SqlitePool, account: Option<AccountId>) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages WHERE status IN ('queued', 'sending', 'sent') AND (?1 IS NULL OR account_id = ?1)",
    )
    .bind(account.map(|a| a.0))
    .fetch_one(pool)
    .await
    .db()?;
    Ok(n as u64)
}
