//! Delivery receipts: matched to messages by provider id, applied without ever moving a
//! message backwards, kept as pending when their message is not yet known as sent.

use bote_domain::MessageStatus;
use bote_store::{ReceiptResult, ReceiptUpdate, StoreResult};
use sqlx::{SqliteConnection, SqlitePool};

use super::outcomes::{enqueue_callbacks, reports_back};
use super::rows::{from_statuses, parse};
use crate::errors::DbResultExt;
use crate::rows::text_array;
use crate::time;

pub(crate) async fn apply(
    pool: &SqlitePool,
    receipts: &[ReceiptUpdate],
) -> StoreResult<ReceiptResult> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.db()?;
    let now = time::text(time::now());
    let mut result = ReceiptResult::default();
    let mut reported = Vec::new();
    for r in receipts {
        let found: Option<(i64, String)> = sqlx::query_as(
            "SELECT message_id, provider_id FROM message_refs \
             WHERE connection = ?1 AND provider_id IN (SELECT value FROM json_each(?2)) LIMIT 1",
        )
        .bind(&r.connection)
        .bind(text_array(r.provider_ids.iter().map(String::as_str)))
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        let Some((message, provider_id)) = found else {
            if r.status == MessageStatus::Sent || r.provider_ids.is_empty() {
                continue; // an intermediate state of an unknown message changes nothing
            }
            sqlx::query(
                "INSERT INTO pending_receipts (connection, provider_ids, status, error_code, at, received_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .bind(&r.connection)
            .bind(text_array(r.provider_ids.iter().map(String::as_str)))
            .bind(r.status.as_str())
            .bind(&r.error_code)
            .bind(time::text(r.at))
            .bind(&now)
            .execute(&mut *tx)
            .await
            .db()?;
            result.pending += 1;
            continue;
        };
        result.matched += 1;
        if apply_one(
            &mut tx,
            message,
            &r.connection,
            &provider_id,
            r.status,
            r.error_code.as_deref(),
            &time::text(r.at),
        )
        .await?
        {
            reported.push(message);
        }
    }
    enqueue_callbacks(&mut tx, &reported, &now).await?;
    tx.commit().await.db()?;
    Ok(result)
}

/// Applies one matched receipt; true when the message reached a status customers hear about.
async fn apply_one(
    conn: &mut SqliteConnection,
    message: i64,
    connection: &str,
    provider_id: &str,
    status: MessageStatus,
    error_code: Option<&str>,
    at: &str,
) -> StoreResult<bool> {
    if status == MessageStatus::Sent {
        return Ok(false); // ACCEPTD, ENROUTE: still on its way
    }
    sqlx::query("UPDATE message_refs SET status = ?3 WHERE connection = ?1 AND provider_id = ?2")
        .bind(connection)
        .bind(provider_id)
        .bind(status.as_str())
        .execute(&mut *conn)
        .await
        .db()?;
    if status == MessageStatus::Delivered {
        let open: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM message_refs WHERE message_id = ?1 AND (status IS NULL OR status NOT IN ('delivered', 'read'))",
        )
        .bind(message)
        .fetch_one(&mut *conn)
        .await
        .db()?;
        if open > 0 {
            return Ok(false); // other parts still to report
        }
    }
    let sql = format!(
        "UPDATE messages SET status = ?2, error_code = COALESCE(?3, error_code), done_at = COALESCE(done_at, ?4), \
         lease_until = NULL WHERE id = ?1 AND status IN ({})",
        from_statuses(status)
    );
    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(message)
        .bind(status.as_str())
        .bind(error_code)
        .bind(at)
        .execute(&mut *conn)
        .await
        .db()?;
    Ok(done.rows_affected() > 0 && reports_back(status))
}

/// id, connection, provider_id, message_id, status, error_code, at
type PendingRow = (i64, String, String, i64, String, Option<String>, String);

/// Applies the receipts that arrived before these refs (`[{c, p, m, n}]` JSON) existed.
pub(crate) async fn apply_pending(conn: &mut SqliteConnection, refs: &str) -> StoreResult<()> {
    let any: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pending_receipts)")
        .fetch_one(&mut *conn)
        .await
        .db()?;
    if !any {
        return Ok(());
    }
    let pending: Vec<PendingRow> = sqlx::query_as(
        "SELECT p.id, p.connection, j.value ->> 'p', j.value ->> 'm', p.status, p.error_code, p.at \
         FROM pending_receipts p, json_each(p.provider_ids) v JOIN json_each(?1) j \
           ON p.connection = j.value ->> 'c' AND v.value = j.value ->> 'p' ORDER BY p.id",
    )
    .bind(refs)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let now = time::text(time::now());
    let mut reported = Vec::new();
    for (id, connection, provider_id, message, status, error_code, at) in pending {
        let status: MessageStatus = parse("message status", &status)?;
        if apply_one(
            conn,
            message,
            &connection,
            &provider_id,
            status,
            error_code.as_deref(),
            &at,
        )
        .await?
        {
            reported.push(message);
        }
        sqlx::query("DELETE FROM pending_receipts WHERE id = ?1")
            .bind(id)
            .execute(&mut *conn)
            .await
            .db()?;
    }
    enqueue_callbacks(conn, &reported, &now).await
}
