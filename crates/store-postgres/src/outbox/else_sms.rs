//! "One message per person" (R19): after a WhatsApp send's messages are written, each one
//! skipped for lacking an opt-in (R6, R17) or a WhatsApp number becomes an SMS — to the
//! contact's SMS number when the recipient is a contact that has one, else to the number
//! itself. Set-based: the rows are set aside (`refused`, outside the once-per-number
//! index), their SMS rows inserted (a number already in the send keeps its one message),
//! and the set-aside rows deleted.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use bote_store::StoreResult;

use crate::errors::backend;

/// The skipped WhatsApp rows that become SMS, and their SMS number.
const REPLACED: &str = "m.send_id = $1 AND m.channel = 'whatsapp' AND m.status = 'skipped' \
     AND m.reason IN ('no_opt_in', 'no_number')";
const SMS_NUMBER: &str = "COALESCE((SELECT c.sms_number FROM contacts c \
     WHERE c.id = m.contact_id AND c.account_id = m.account_id), m.recipient)";

pub(crate) async fn reroute(
    conn: &mut PgConnection,
    send_id: i64,
    only: Option<&str>,
    test: bool,
    schedule_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE messages AS m SET refused = true WHERE {REPLACED} AND NOT m.refused \
         AND {SMS_NUMBER} IS NOT NULL"
    )))
    .bind(send_id)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    // Outside the test number wins over `test`, as for every other recipient.
    let outside = "($2::text IS NOT NULL AND n.number <> $2)";
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO messages (send_id, account_id, channel, recipient, contact_id, status, reason, \
           next_attempt_at) \
         SELECT $1, n.account_id, 'sms', n.number, n.contact_id, \
           CASE WHEN {outside} OR $3 THEN 'skipped' ELSE 'queued' END, \
           CASE WHEN {outside} THEN 'outside_test_number' WHEN $3 THEN 'test' END, \
           CASE WHEN {outside} OR $3 THEN NULL ELSE COALESCE($4, now()) END \
         FROM (SELECT m.id, m.account_id, m.contact_id, {SMS_NUMBER} AS number FROM messages m \
               WHERE {REPLACED} AND m.refused) n ORDER BY n.id \
         ON CONFLICT (send_id, recipient) WHERE NOT refused DO NOTHING"
    )))
    .bind(send_id)
    .bind(only)
    .bind(test)
    .bind(schedule_at)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM messages AS m WHERE {REPLACED} AND m.refused"
    )))
    .bind(send_id)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Queued messages of the send that go by SMS.
pub(crate) async fn by_sms(conn: &mut PgConnection, send_id: i64) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE send_id = $1 AND channel = 'sms' AND status = 'queued'",
    )
    .bind(send_id)
    .fetch_one(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(u64::try_from(n).unwrap_or(0))
}
