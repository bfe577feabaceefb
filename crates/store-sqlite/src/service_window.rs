//! The 24-hour customer-service window of Cloud API numbers, read from inbound messages:
//! set-based, one query per business number and batch (index `inbound_messages_window`).

use std::collections::HashSet;

use bote_store::{ServiceWindow, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::{SqliteConnection, SqlitePool};

use crate::errors::DbResultExt;
use crate::rows::text_array;
use crate::time;

/// Which of `numbers` sent `business_number` a WhatsApp message at or after `since`.
pub(crate) async fn in_window(
    pool: &SqlitePool,
    business_number: &str,
    numbers: &[String],
    since: DateTime<Utc>,
) -> StoreResult<HashSet<String>> {
    if numbers.is_empty() {
        return Ok(HashSet::new());
    }
    let found: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT from_number FROM inbound_messages \
         WHERE channel = 'whatsapp' AND to_number = ?1 AND received_at >= ?2 \
         AND from_number IN (SELECT value FROM json_each(?3))",
    )
    .bind(business_number)
    .bind(time::text(since))
    .bind(text_array(numbers.iter().map(String::as_str)))
    .fetch_all(pool)
    .await
    .db()?;
    Ok(found.into_iter().collect())
}

/// Queued WhatsApp messages of a send whose recipient is outside `window` (previews).
pub(crate) async fn outside_count(
    conn: &mut SqliteConnection,
    send_id: i64,
    window: &ServiceWindow,
) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages m WHERE m.send_id = ?1 AND m.status = 'queued' \
         AND m.channel = 'whatsapp' AND NOT EXISTS (SELECT 1 FROM inbound_messages i \
           WHERE i.channel = 'whatsapp' AND i.to_number = ?2 AND i.from_number = m.recipient \
           AND i.received_at >= ?3)",
    )
    .bind(send_id)
    .bind(&window.business_number)
    .bind(time::text(window.since))
    .fetch_one(&mut *conn)
    .await
    .db()?;
    Ok(n.max(0) as u64)
}
