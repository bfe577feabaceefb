//! Accepting a send: the send row and every message row in one `BEGIN IMMEDIATE`
//! transaction, recipients expanded by `INSERT … SELECT` inside SQLite.

use std::collections::{BTreeMap, HashSet};

use bote_domain::{ChannelKind, SendId};
use bote_store::{
    Acceptance, MAX_LISTED_SKIPS, NewSend, Preview, Recipients, SkipReason, Skipped, StoreError,
    StoreResult,
};
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use super::else_sms;
use super::rows::{SEND_COLUMNS, SendRow};
use crate::SqliteStore;
use crate::errors::DbResultExt;
use crate::rows::{id_array, json_rows, number_column, parse, positional_rows, text_array};
use crate::service_window;
use crate::time;

/// Rows per multi-row INSERT (9 parameters each, well under SQLite's limit of 32,766).
const CHUNK: usize = 500;

pub(crate) async fn accept(
    store: &SqliteStore,
    send: NewSend,
    recipients: Recipients,
) -> StoreResult<Acceptance> {
    Ok(accept_or_preview(store, send, recipients, false)
        .await?
        .acceptance)
}

pub(crate) async fn preview(
    store: &SqliteStore,
    send: NewSend,
    recipients: Recipients,
) -> StoreResult<Preview> {
    accept_or_preview(store, send, recipients, true).await
}

/// Accepts the send, or with `preview` does the same and rolls it back.
async fn accept_or_preview(
    store: &SqliteStore,
    send: NewSend,
    recipients: Recipients,
    preview: bool,
) -> StoreResult<Preview> {
    // The send's time is when it was asked for, before it waited for the write lock, as in
    // PostgreSQL (`now()`, the transaction's start): sends asked for together have their
    // paced schedules start together, not one after another's acceptance.
    let now = time::now();
    let mut tx = crate::write::begin(store).await?;
    if let Some(client_id) = &send.client_message_id {
        let earlier: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM sends WHERE account_id = ?1 AND client_message_id = ?2",
        )
        .bind(send.account.0)
        .bind(client_id)
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        if let Some(id) = earlier {
            let acceptance = summary(&mut tx, send.account, SendId(id), true).await?;
            tx.commit().await.db()?;
            return Ok(Preview::of(acceptance));
        }
    }
    let group_ids = resolve_groups(&mut tx, &send, &recipients).await?;
    check_contacts(&mut tx, &send, &recipients).await?;

    let due = time::text(send.schedule_at.unwrap_or(now));
    let slots = Slots::of(&send, now);
    let send_id: i64 = sqlx::query_scalar(
        "INSERT INTO sends (account_id, channel, state, source, content, schedule_at, client_message_id, \
         callback_url, test, created_at) VALUES (?1, ?2, 'active', ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
    )
    .bind(send.account.0)
    .bind(send.channel.as_str())
    .bind(&send.source)
    .bind(send.content.to_string())
    .bind(send.schedule_at.map(time::text))
    .bind(&send.client_message_id)
    .bind(&send.callback_url)
    .bind(send.test)
    .bind(time::text(now))
    .fetch_one(&mut *tx)
    .await
    .db()?;

    let only = recipients.only_to.as_ref().map(|n| n.as_str().to_owned());
    let needs_opt_in = send.channel == ChannelKind::Whatsapp && !recipients.replying;
    let opted_in = if needs_opt_in {
        opted_in(&mut tx, &send, &recipients).await?
    } else {
        HashSet::new()
    };
    // The server's refusals first, then explicit numbers, then contacts and groups.
    let mut rows: Vec<Row> = recipients
        .skipped
        .iter()
        .map(|s| Row {
            recipient: s.recipient.clone(),
            status: "skipped",
            reason: Some(s.reason.as_str()),
            refused: true,
            due: None,
        })
        .collect();
    let mut queued = 0;
    for n in &recipients.numbers {
        // Outside the test number wins over `test`: it would not go out either way.
        let (status, reason) = if only.as_deref().is_some_and(|o| o != n.as_str()) {
            ("skipped", Some(SkipReason::OutsideTestNumber.as_str()))
        } else if needs_opt_in && !opted_in.contains(n.as_str()) {
            ("skipped", Some(SkipReason::NoOptIn.as_str()))
        } else if send.test {
            ("skipped", Some(SkipReason::Test.as_str()))
        } else {
            ("queued", None)
        };
        let due = (status == "queued").then(|| {
            queued += 1;
            slots.text(queued - 1)
        });
        rows.push(Row {
            recipient: n.as_str().to_owned(),
            status,
            reason,
            refused: false,
            due,
        });
    }
    for chunk in rows.chunks(CHUNK) {
        insert_rows(&mut tx, send_id, &send, chunk, &now).await?;
    }
    link_contacts(&mut tx, send_id, send.channel).await?;
    if !recipients.contacts.is_empty() || !group_ids.is_empty() {
        expand(
            &mut tx,
            send_id,
            &send,
            &recipients,
            &group_ids,
            only.as_deref(),
            needs_opt_in,
            (&slots, queued),
            &now,
        )
        .await?;
    }
    if recipients.else_sms && needs_opt_in {
        let now = time::text(now);
        else_sms::reroute(&mut tx, send_id, &send, only.as_deref(), &due, &now).await?;
    }
    let acceptance = summary(&mut tx, send.account, SendId(send_id), false).await?;
    if !preview {
        tx.commit().await.db()?;
        return Ok(Preview::of(acceptance));
    }
    let on_both: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages m JOIN contacts c ON c.id = m.contact_id \
         WHERE m.send_id = ?1 AND m.status = 'queued' \
         AND c.sms_number IS NOT NULL AND c.whatsapp_number IS NOT NULL",
    )
    .bind(send_id)
    .fetch_one(&mut *tx)
    .await
    .db()?;
    let outside_service_window = match &recipients.service_window {
        Some(window) => service_window::outside_count(&mut tx, send_id, window).await?,
        None => 0,
    };
    let by_sms_instead = if recipients.else_sms {
        else_sms::by_sms(&mut tx, send_id).await?
    } else {
        0
    };
    tx.rollback().await.db()?;
    Ok(Preview {
        acceptance,
        on_both_channels: on_both.max(0) as u64,
        outside_service_window,
        by_sms_instead,
    })
}

async fn resolve_groups(
    conn: &mut SqliteConnection,
    send: &NewSend,
    r: &Recipients,
) -> StoreResult<Vec<i64>> {
    if r.groups.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, code FROM groups WHERE account_id = ?1 AND code IN (SELECT value FROM json_each(?2))",
    )
    .bind(send.account.0)
    .bind(text_array(r.groups.iter().map(|g| g.as_str())))
    .fetch_all(&mut *conn)
    .await
    .db()?;
    if let Some(missing) = r
        .groups
        .iter()
        .find(|g| !found.iter().any(|(_, c)| c == g.as_str()))
    {
        return Err(StoreError::Unknown {
            what: "group",
            value: missing.to_string(),
        });
    }
    Ok(found.into_iter().map(|(id, _)| id).collect())
}

async fn check_contacts(
    conn: &mut SqliteConnection,
    send: &NewSend,
    r: &Recipients,
) -> StoreResult<()> {
    if r.contacts.is_empty() {
        return Ok(());
    }
    let found: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM contacts WHERE account_id = ?1 AND id IN (SELECT value FROM json_each(?2))",
    )
    .bind(send.account.0)
    .bind(id_array(r.contacts.iter().map(|c| c.0)))
    .fetch_all(&mut *conn)
    .await
    .db()?;
    if let Some(missing) = r.contacts.iter().find(|c| !found.contains(&c.0)) {
        return Err(StoreError::Unknown {
            what: "contact",
            value: missing.to_string(),
        });
    }
    Ok(())
}

struct Row {
    recipient: String,
    status: &'static str,
    reason: Option<&'static str>,
    refused: bool,
    /// When it comes due; queued messages only.
    due: Option<String>,
}

/// When a send's queued messages come due (`NewSend::spacing`): the first at the send's due
/// time, each next one `every_us` later.
struct Slots {
    first_us: i64,
    every_us: i64,
}

impl Slots {
    fn of(send: &NewSend, now: DateTime<Utc>) -> Slots {
        Slots {
            first_us: send.schedule_at.unwrap_or(now).timestamp_micros(),
            every_us: send.spacing_micros(),
        }
    }

    /// The due time of the `k`th queued message (from 0).
    fn text(&self, k: i64) -> String {
        let at = self
            .first_us
            .saturating_add(k.saturating_mul(self.every_us));
        time::text(DateTime::from_timestamp_micros(at).unwrap_or(DateTime::<Utc>::MAX_UTC))
    }
}

async fn insert_rows(
    conn: &mut SqliteConnection,
    send_id: i64,
    send: &NewSend,
    rows: &[Row],
    now: &chrono::DateTime<chrono::Utc>,
) -> StoreResult<()> {
    let sql = format!(
        "INSERT INTO messages (send_id, account_id, channel, recipient, status, reason, refused, \
         next_attempt_at, created_at) VALUES {} \
         ON CONFLICT (send_id, recipient) WHERE refused = 0 DO NOTHING",
        positional_rows(rows.len(), 9)
    );
    let created_at = time::text(*now);
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for row in rows {
        q = q
            .bind(send_id)
            .bind(send.account.0)
            .bind(send.channel.as_str())
            .bind(&row.recipient)
            .bind(row.status)
            .bind(row.reason)
            .bind(row.refused)
            .bind(&row.due)
            .bind(&created_at);
    }
    q.execute(&mut *conn).await.db()?;
    Ok(())
}

/// Explicit numbers that belong to a contact of the account get its id (for placeholders).
async fn link_contacts(
    conn: &mut SqliteConnection,
    send_id: i64,
    channel: ChannelKind,
) -> StoreResult<()> {
    let column = number_column(channel);
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE messages SET contact_id = (SELECT c.id FROM contacts c \
           WHERE c.account_id = messages.account_id AND c.{column} = messages.recipient) \
         WHERE send_id = ?1 AND refused = 0 AND recipient IS NOT NULL AND contact_id IS NULL"
    )))
    .bind(send_id)
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(())
}

/// Contacts named directly or through groups, each once, with the channel's number.
#[allow(clippy::too_many_arguments)]
async fn expand(
    conn: &mut SqliteConnection,
    send_id: i64,
    send: &NewSend,
    r: &Recipients,
    groups: &[i64],
    only: Option<&str>,
    needs_opt_in: bool,
    (slots, first): (&Slots, i64),
    now: &chrono::DateTime<chrono::Utc>,
) -> StoreResult<()> {
    let column = number_column(send.channel);
    // R6, R17: WhatsApp only where the number has an active opt-in.
    let outside = format!("(?8 IS NOT NULL AND c.{column} <> ?8)");
    let no_opt_in = format!(
        "(?10 AND NOT EXISTS (SELECT 1 FROM opt_ins o WHERE o.account_id = ?2 AND o.number = c.{column}))"
    );
    let chosen = "c.account_id = ?2 AND (c.id IN (SELECT value FROM json_each(?5)) \
         OR c.id IN (SELECT gm.contact_id FROM group_members gm WHERE gm.group_id IN (SELECT value FROM json_each(?6))))";
    // Queued messages take the send's slots `first`, `first + 1`, … in contact order.
    let queued = format!(
        "INSERT INTO messages (send_id, account_id, channel, recipient, contact_id, status, reason, next_attempt_at, created_at) \
         SELECT send_id, account_id, channel, recipient, contact_id, status, reason, \
           CASE WHEN status = 'queued' THEN {due} END, created_at FROM ( \
           SELECT *, ?9 + (?11 + row_number() OVER (PARTITION BY status ORDER BY contact_id) - 1) * ?12 AS at FROM ( \
             SELECT ?1 AS send_id, c.account_id AS account_id, ?3 AS channel, c.{column} AS recipient, c.id AS contact_id, \
               CASE WHEN {outside} OR {no_opt_in} OR ?7 THEN 'skipped' ELSE 'queued' END AS status, \
               CASE WHEN {outside} THEN 'outside_test_number' WHEN {no_opt_in} THEN 'no_opt_in' WHEN ?7 THEN 'test' END AS reason, \
               ?4 AS created_at \
             FROM contacts c WHERE {chosen} AND c.{column} IS NOT NULL)) \
         WHERE true ORDER BY contact_id \
         ON CONFLICT (send_id, recipient) WHERE refused = 0 DO NOTHING",
        due = time::sql_text("at"),
    );
    let no_number = format!(
        "INSERT INTO messages (send_id, account_id, channel, recipient, contact_id, status, reason, created_at) \
         SELECT ?1, c.account_id, ?3, NULL, c.id, 'skipped', 'no_number', ?4 \
         FROM contacts c WHERE {chosen} AND c.{column} IS NULL"
    );
    let contacts = id_array(r.contacts.iter().map(|c| c.0));
    let groups = id_array(groups.iter().copied());
    sqlx::query(sqlx::AssertSqlSafe(queued))
        .bind(send_id)
        .bind(send.account.0)
        .bind(send.channel.as_str())
        .bind(time::text(*now))
        .bind(&contacts)
        .bind(&groups)
        .bind(send.test)
        .bind(only)
        .bind(slots.first_us)
        .bind(needs_opt_in)
        .bind(first)
        .bind(slots.every_us)
        .execute(&mut *conn)
        .await
        .db()?;
    sqlx::query(sqlx::AssertSqlSafe(no_number))
        .bind(send_id)
        .bind(send.account.0)
        .bind(send.channel.as_str())
        .bind(time::text(*now))
        .bind(&contacts)
        .bind(&groups)
        .execute(&mut *conn)
        .await
        .db()?;
    Ok(())
}

/// The send's explicit numbers that have an active opt-in with its account.
async fn opted_in(
    conn: &mut SqliteConnection,
    send: &NewSend,
    r: &Recipients,
) -> StoreResult<HashSet<String>> {
    if r.numbers.is_empty() {
        return Ok(HashSet::new());
    }
    let found: Vec<String> = sqlx::query_scalar(
        "SELECT number FROM opt_ins WHERE account_id = ?1 \
         AND number IN (SELECT value FROM json_each(?2))",
    )
    .bind(send.account.0)
    .bind(text_array(r.numbers.iter().map(|n| n.as_str())))
    .fetch_all(&mut *conn)
    .await
    .db()?;
    Ok(found.into_iter().collect())
}

/// A send's row with its messages counted by status, its skipped ones by reason and the
/// first skipped listed, each of the three as one JSON value: the acceptance is read in one
/// statement while the writer is held.
#[derive(sqlx::FromRow)]
struct SummaryRow {
    #[sqlx(flatten)]
    send: SendRow,
    counts: String,
    reasons: String,
    listed: String,
}

/// What an acceptance reports, read back from the rows (so a replay reports the same).
async fn summary(
    conn: &mut SqliteConnection,
    account: bote_domain::AccountId,
    send: SendId,
    replayed: bool,
) -> StoreResult<Acceptance> {
    let row: Option<SummaryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SEND_COLUMNS}, \
           (SELECT json_group_array(json_array(status, n)) FROM \
              (SELECT status, count(*) AS n FROM messages WHERE send_id = ?1 GROUP BY status)) AS counts, \
           (SELECT json_group_array(json_array(reason, n)) FROM \
              (SELECT reason, count(*) AS n FROM messages WHERE send_id = ?1 AND status = 'skipped' \
               GROUP BY reason)) AS reasons, \
           (SELECT json_group_array(json_array(recipient, contact_id, reason)) FROM \
              (SELECT recipient, contact_id, reason FROM messages \
               WHERE send_id = ?1 AND status = 'skipped' ORDER BY id LIMIT ?3)) AS listed \
         FROM sends WHERE id = ?1 AND account_id = ?2"
    )))
    .bind(send.0)
    .bind(account.0)
    .bind(MAX_LISTED_SKIPS as i64)
    .fetch_optional(&mut *conn)
    .await
    .db()?;
    let row = row.ok_or(StoreError::NotFound("send"))?;
    let mut counts = BTreeMap::new();
    for (status, n) in json_rows::<Vec<(String, u64)>>("message counts", &row.counts)? {
        counts.insert(parse("message status", &status)?, n);
    }
    let mut skipped_by_reason = BTreeMap::new();
    for (reason, n) in json_rows::<Vec<(String, u64)>>("skip reasons", &row.reasons)? {
        skipped_by_reason.insert(skip_reason(&reason)?, n);
    }
    let listed: Vec<(Option<String>, Option<i64>, String)> =
        json_rows("skipped recipients", &row.listed)?;
    let skipped = listed
        .into_iter()
        .map(|(recipient, contact, reason)| {
            let recipient =
                recipient.unwrap_or_else(|| format!("contact {}", contact.unwrap_or_default()));
            Ok(Skipped {
                recipient,
                reason: skip_reason(&reason)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let send = row.send.into_record(counts)?;
    let accepted = send
        .counts
        .iter()
        .filter(|(s, _)| !matches!(s, bote_domain::MessageStatus::Skipped))
        .map(|(_, n)| n)
        .sum();
    Ok(Acceptance {
        send,
        accepted,
        skipped,
        skipped_by_reason,
        replayed,
    })
}

fn skip_reason(text: &str) -> StoreResult<SkipReason> {
    parse("skip reason", text)
}
