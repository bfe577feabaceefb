//! "One message per person" (R19): after a WhatsApp send's messages are written, each one
//! skipped for lacking an opt-in (R6, R17) or a WhatsApp number becomes an SMS — to the
//! contact's SMS number when the recipient is a contact that has one, else to the number
//! itself. Set-based: the rows are set aside (`refused = 1`, outside the once-per-number
//! index), their SMS rows inserted (a number already in the send keeps its one message),
//! and the set-aside rows deleted.

use bote_store::{NewSend, StoreResult};
use sqlx::SqliteConnection;

use crate::errors::DbResultExt;

/// The skipped WhatsApp rows that become SMS, and their SMS number.
const REPLACED: &str = "m.send_id = ?1 AND m.channel = 'whatsapp' AND m.status = 'skipped' \
     AND m.reason IN ('no_opt_in', 'no_number')";
const SMS_NUMBER: &str = "COALESCE((SELECT c.sms_number FROM contacts c \
     WHERE c.id = m.contact_id AND c.account_id = m.account_id), m.recipient)";

pub(crate) async fn reroute(
    conn: &mut SqliteConnection,
    send_id: i64,
    send: &NewSend,
    only: Option<&str>,
    due: &str,
    now: &str,
) -> StoreResult<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE messages AS m SET refused = 1 WHERE {REPLACED} AND m.refused = 0 \
         AND {SMS_NUMBER} IS NOT NULL"
    )))
    .bind(send_id)
    .execute(&mut *conn)
    .await
    .db()?;
    // Outside the test number wins over `test`, as for every other recipient.
    let outside = "(?2 IS NOT NULL AND n.number <> ?2)";
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO messages (send_id, account_id, channel, recipient, contact_id, status, reason, \
           next_attempt_at, created_at) \
         SELECT ?1, n.account_id, 'sms', n.number, n.contact_id, \
           CASE WHEN {outside} OR ?3 THEN 'skipped' ELSE 'queued' END, \
           CASE WHEN {outside} THEN 'outside_test_number' WHEN ?3 THEN 'test' END, \
           CASE WHEN {outside} OR ?3 THEN NULL ELSE ?4 END, ?5 \
         FROM (SELECT m.id, m.account_id, m.contact_id, {SMS_NUMBER} AS number FROM messages m \
               WHERE {REPLACED} AND m.refused = 1) n ORDER BY n.id \
         ON CONFLICT (send_id, recipient) WHERE refused = 0 DO NOTHING"
    )))
    .bind(send_id)
    .bind(only)
    .bind(send.test)
    .bind(due)
    .bind(now)
    .execute(&mut *conn)
    .await
    .db()?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM messages AS m WHERE {REPLACED} AND m.refused = 1"
    )))
    .bind(send_id)
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(())
}

/// Queued messages of the send that go by SMS.
pub(crate) async fn by_sms(conn: &mut SqliteConnection, send_id: i64) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE send_id = ?1 AND channel = 'sms' AND status = 'queued'",
    )
    .bind(send_id)
    .fetch_one(&mut *conn)
    .await
    .db()?;
    Ok(n.max(0) as u64)
}
