//! Accepting a send: the send row and every message row in one transaction, recipients
//! expanded by `INSERT … SELECT` in the database.

use std::collections::{BTreeMap, HashSet};

use bote_domain::{AccountId, ChannelKind, GroupCode, MessageStatus, SendId};
use bote_store::{
    Acceptance, MAX_LISTED_SKIPS, NewSend, Preview, Recipients, SkipReason, Skipped, StoreError,
    StoreResult,
};
use sqlx::{PgConnection, PgPool};

use super::else_sms;
use super::queries::send_record;
use super::rows::{skip_reason, unsigned};
use crate::errors::backend;
use crate::service_window;

/// The status and reason of a recipient (`$1` = only_to, `$2` = test,
/// `$5` = account, the argument = whether WhatsApp needs an opt-in), and the send's due time
/// for a queued one (`$3` = schedule_at), as SQL over the number's column `$number`
/// (qualified) and the opt-in `o` joined by [`opt_in_join!`]. Precedence: no number, outside the test number, no opt-in
/// (R6, R17), test.
macro_rules! placed {
    ($opt:literal, $number:literal) => {
        concat!(
            "CASE WHEN ",
            $number,
            " IS NULL OR ($1::text IS NOT NULL AND ",
            $number,
            " <> $1) OR $2 OR ",
            no_opt_in!($opt),
            " THEN 'skipped' ELSE 'queued' END AS status, \
             CASE WHEN ",
            $number,
            " IS NULL THEN 'no_number' \
             WHEN $1::text IS NOT NULL AND ",
            $number,
            " <> $1 THEN 'outside_test_number' WHEN ",
            no_opt_in!($opt),
            " THEN 'no_opt_in' WHEN $2 THEN 'test' END AS reason, \
             CASE WHEN ",
            $number,
            " IS NULL OR ($1::text IS NOT NULL AND ",
            $number,
            " <> $1) OR $2 OR ",
            no_opt_in!($opt),
            " THEN NULL ELSE COALESCE($3, now()) END AS due"
        )
    };
}

/// The due time of a queued message `p` (`p.due`, `p.status` from [`placed!`]): the send's
/// queued messages take its slots (`NewSend::spacing`, `$every` microseconds apart) from
/// slot `$first` (SQL) on, in the order `$order`.
macro_rules! slot {
    ($first:literal, $every:literal, $order:literal) => {
        concat!(
            "p.due + ((",
            $first,
            ")::bigint + row_number() OVER (PARTITION BY p.status ORDER BY ",
            $order,
            ") - 1) * ",
            $every,
            "::bigint * interval '1 microsecond'"
        )
    };
}

/// True when a number needs an opt-in (`$opt`) and [`opt_in_join!`] found none.
macro_rules! no_opt_in {
    ($opt:literal) => {
        concat!("(", $opt, " AND o.id IS NULL)")
    };
}

/// The opt-in `o` of account `$5` for `$number` where one is needed (`$opt`). A join, read
/// once per recipient: as a subquery in each `CASE` of [`placed!`] it was read three times,
/// and PostgreSQL hashed all the account's opt-ins for each (1,000,000 rows, three times
/// per send, in the broadcast benchmark).
macro_rules! opt_in_join {
    ($opt:literal, $number:literal) => {
        concat!(
            " LEFT JOIN opt_ins o ON ",
            $opt,
            " AND o.account_id = $5 AND o.number = ",
            $number,
            " "
        )
    };
}

pub(crate) async fn accept_send(
    pool: &PgPool,
    send: NewSend,
    recipients: Recipients,
) -> StoreResult<Acceptance> {
    Ok(accept_or_preview(pool, send, recipients, false)
        .await?
        .acceptance)
}

pub(crate) async fn preview_send(
    pool: &PgPool,
    send: NewSend,
    recipients: Recipients,
) -> StoreResult<Preview> {
    accept_or_preview(pool, send, recipients, true).await
}

/// Accepts the send, or with `preview` does the same and rolls it back.
async fn accept_or_preview(
    pool: &PgPool,
    send: NewSend,
    recipients: Recipients,
    preview: bool,
) -> StoreResult<Preview> {
    let committed = Preview::of;
    let account = send.account;
    if let Some(client_id) = &send.client_message_id
        && let Some(id) = by_client_id(pool, account, client_id).await?
    {
        return replay(pool, account, id).await.map(committed);
    }
    let mut tx = pool.begin().await.map_err(backend)?;
    check_groups(&mut tx, account, &recipients.groups).await?;
    check_contacts(&mut tx, account, &recipients).await?;
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO sends (account_id, channel, source, content, schedule_at, \
         client_message_id, callback_url, test) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (account_id, client_message_id) WHERE client_message_id IS NOT NULL \
         DO NOTHING RETURNING id",
    )
    .bind(account.0)
    .bind(send.channel.as_str())
    .bind(&send.source)
    .bind(&send.content)
    .bind(send.schedule_at)
    .bind(&send.client_message_id)
    .bind(&send.callback_url)
    .bind(send.test)
    .fetch_optional(&mut *tx)
    .await
    .map_err(send_error)?;
    let Some(id) = inserted else {
        // A concurrent accept with the same client id committed first.
        tx.rollback().await.map_err(backend)?;
        let client_id = send.client_message_id.as_deref().unwrap_or_default();
        let id = by_client_id(pool, account, client_id)
            .await?
            .ok_or(StoreError::NotFound("send"))?;
        return replay(pool, account, id).await.map(committed);
    };
    let target = Target {
        send: id,
        account,
        channel: send.channel,
        only_to: recipients.only_to.as_ref().map(|n| n.as_str().to_owned()),
        test: send.test,
        schedule_at: send.schedule_at,
        spacing_us: send.spacing_micros(),
        needs_opt_in: send.channel == ChannelKind::Whatsapp && !recipients.replying,
    };
    insert_server_skips(&mut tx, &target, &recipients.skipped).await?;
    insert_numbers(&mut tx, &target, &recipients).await?;
    insert_contacts(&mut tx, &target, &recipients).await?;
    if recipients.else_sms && target.needs_opt_in {
        let only = target.only_to.as_deref();
        else_sms::reroute(&mut tx, id, only, target.test, target.schedule_at).await?;
    }
    let acceptance = acceptance(&mut tx, account, SendId(id), false).await?;
    if !preview {
        tx.commit().await.map_err(backend)?;
        return Ok(committed(acceptance));
    }
    let on_both: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages m JOIN contacts c ON c.id = m.contact_id \
         WHERE m.send_id = $1 AND m.status = 'queued' \
         AND c.sms_number IS NOT NULL AND c.whatsapp_number IS NOT NULL",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await
    .map_err(backend)?;
    let outside_service_window = match &recipients.service_window {
        Some(window) => service_window::outside_count(&mut tx, id, window).await?,
        None => 0,
    };
    let by_sms_instead = if recipients.else_sms {
        else_sms::by_sms(&mut tx, id).await?
    } else {
        0
    };
    tx.rollback().await.map_err(backend)?;
    Ok(Preview {
        acceptance,
        on_both_channels: u64::try_from(on_both).unwrap_or(0),
        outside_service_window,
        by_sms_instead,
    })
}

/// A send naming an account that does not exist is `NotFound("account")`.
fn send_error(err: sqlx::Error) -> StoreError {
    let missing_account = err
        .as_database_error()
        .is_some_and(|db| db.constraint() == Some("sends_account_fkey"));
    if missing_account {
        StoreError::NotFound("account")
    } else {
        backend(err)
    }
}

struct Target {
    send: i64,
    account: AccountId,
    channel: ChannelKind,
    only_to: Option<String>,
    test: bool,
    schedule_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Microseconds between the due times of queued messages (`NewSend::spacing`).
    spacing_us: i64,
    /// WhatsApp, and not a reply to the recipient's own message: R6 applies.
    needs_opt_in: bool,
}

impl Target {
    /// The contacts' column holding the number for this channel.
    fn number_column(&self) -> &'static str {
        match self.channel {
            ChannelKind::Sms => "sms_number",
            ChannelKind::Whatsapp => "whatsapp_number",
        }
    }
}

async fn by_client_id(
    pool: &PgPool,
    account: AccountId,
    client_id: &str,
) -> StoreResult<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM sends WHERE account_id = $1 AND client_message_id = $2")
        .bind(account.0)
        .bind(client_id)
        .fetch_optional(pool)
        .await
        .map_err(backend)
}

async fn replay(pool: &PgPool, account: AccountId, id: i64) -> StoreResult<Acceptance> {
    let mut conn = pool.acquire().await.map_err(backend)?;
    acceptance(&mut conn, account, SendId(id), true).await
}

/// `Unknown { what: "group" }` for the first code the account has no group for. The groups
/// found are share-locked so they are not deleted before they are expanded.
async fn check_groups(
    conn: &mut PgConnection,
    account: AccountId,
    codes: &[GroupCode],
) -> StoreResult<()> {
    if codes.is_empty() {
        return Ok(());
    }
    let wanted: Vec<&str> = codes.iter().map(GroupCode::as_str).collect();
    let found: HashSet<String> = sqlx::query_scalar(
        "SELECT code FROM groups WHERE account_id = $1 AND code = ANY($2) FOR KEY SHARE",
    )
    .bind(account.0)
    .bind(&wanted)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?
    .into_iter()
    .collect();
    match codes.iter().find(|c| !found.contains(c.as_str())) {
        Some(code) => Err(StoreError::Unknown {
            what: "group",
            value: code.to_string(),
        }),
        None => Ok(()),
    }
}

/// `Unknown { what: "contact" }` for the first id that is no contact of the account.
async fn check_contacts(
    conn: &mut PgConnection,
    account: AccountId,
    recipients: &Recipients,
) -> StoreResult<()> {
    if recipients.contacts.is_empty() {
        return Ok(());
    }
    let wanted: Vec<i64> = recipients.contacts.iter().map(|c| c.0).collect();
    let found: HashSet<i64> = sqlx::query_scalar(
        "SELECT id FROM contacts WHERE account_id = $1 AND id = ANY($2) FOR KEY SHARE",
    )
    .bind(account.0)
    .bind(&wanted)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?
    .into_iter()
    .collect();
    match recipients.contacts.iter().find(|c| !found.contains(&c.0)) {
        Some(id) => Err(StoreError::Unknown {
            what: "contact",
            value: id.to_string(),
        }),
        None => Ok(()),
    }
}

/// Recipients the server refused or skipped, first, in the order given.
async fn insert_server_skips(
    conn: &mut PgConnection,
    target: &Target,
    skipped: &[Skipped],
) -> StoreResult<()> {
    if skipped.is_empty() {
        return Ok(());
    }
    let recipients: Vec<&str> = skipped.iter().map(|s| s.recipient.as_str()).collect();
    let reasons: Vec<&str> = skipped.iter().map(|s| s.reason.as_str()).collect();
    sqlx::query(
        "INSERT INTO messages (send_id, account_id, channel, recipient, status, reason, refused) \
         SELECT $1, $2, $3, s.recipient, 'skipped', s.reason, \
         s.reason IN ('invalid_number', 'duplicate') \
         FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS s(recipient, reason, ord) \
         ORDER BY s.ord \
         ON CONFLICT (send_id, recipient) WHERE NOT refused DO NOTHING",
    )
    .bind(target.send)
    .bind(target.account.0)
    .bind(target.channel.as_str())
    .bind(&recipients)
    .bind(&reasons)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Explicit numbers, linked to the account's contact with that number for the channel.
async fn insert_numbers(
    conn: &mut PgConnection,
    target: &Target,
    recipients: &Recipients,
) -> StoreResult<()> {
    if recipients.numbers.is_empty() {
        return Ok(());
    }
    let numbers: Vec<&str> = recipients.numbers.iter().map(|n| n.as_str()).collect();
    let sql = format!(
        "INSERT INTO messages (send_id, account_id, channel, recipient, contact_id, status, \
         reason, next_attempt_at) \
         SELECT $4, $5, $6, p.number, p.contact_id, p.status, p.reason, {slot} FROM ( \
           SELECT n.number, n.ord, (SELECT c.id FROM contacts c WHERE c.account_id = $5 \
           AND c.{column} = n.number) AS contact_id, {placed} \
           FROM unnest($7::text[]) WITH ORDINALITY AS n(number, ord) {opt_in}) p ORDER BY p.ord \
         ON CONFLICT (send_id, recipient) WHERE NOT refused DO NOTHING",
        column = target.number_column(),
        placed = placed!("$8", "n.number"),
        opt_in = opt_in_join!("$8", "n.number"),
        slot = slot!("0", "$9", "p.ord"),
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&target.only_to)
        .bind(target.test)
        .bind(target.schedule_at)
        .bind(target.send)
        .bind(target.account.0)
        .bind(target.channel.as_str())
        .bind(&numbers)
        .bind(target.needs_opt_in)
        .bind(target.spacing_us)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    Ok(())
}

/// Contacts named by id, then members of the groups, in the order given; each contact once.
/// Nothing is loaded into memory: one `INSERT … SELECT` over contacts and group_members.
async fn insert_contacts(
    conn: &mut PgConnection,
    target: &Target,
    recipients: &Recipients,
) -> StoreResult<()> {
    if recipients.contacts.is_empty() && recipients.groups.is_empty() {
        return Ok(());
    }
    let contacts: Vec<i64> = recipients.contacts.iter().map(|c| c.0).collect();
    let groups: Vec<&str> = recipients.groups.iter().map(GroupCode::as_str).collect();
    let sql = format!(
        "INSERT INTO messages (send_id, account_id, channel, recipient, contact_id, status, \
         reason, next_attempt_at) \
         SELECT $4, $5, $6, p.number, p.contact_id, p.status, p.reason, {slot} FROM ( \
         SELECT x.number, x.contact_id, x.prio, x.ord, {placed} FROM ( \
           SELECT DISTINCT ON (c.id) c.id AS contact_id, c.{column} AS number, w.prio, w.ord \
           FROM ( \
             SELECT u.id AS contact_id, 0 AS prio, u.ord \
             FROM unnest($7::bigint[]) WITH ORDINALITY AS u(id, ord) \
             UNION ALL \
             SELECT m.contact_id, 1, g.ord \
             FROM unnest($8::text[]) WITH ORDINALITY AS g(code, ord) \
             JOIN groups gr ON gr.account_id = $5 AND gr.code = g.code \
             JOIN group_members m ON m.group_id = gr.id AND m.account_id = $5 \
           ) w JOIN contacts c ON c.account_id = $5 AND c.id = w.contact_id \
           ORDER BY c.id, w.prio, w.ord \
         ) x {opt_in}) p ORDER BY p.prio, p.ord, p.contact_id \
         ON CONFLICT (send_id, recipient) WHERE NOT refused DO NOTHING",
        column = target.number_column(),
        placed = placed!("$9", "x.number"),
        opt_in = opt_in_join!("$9", "x.number"),
        // After the explicit numbers' slots.
        slot = slot!(
            "(SELECT count(*) FROM messages WHERE send_id = $4 AND status = 'queued')",
            "$10",
            "p.prio, p.ord, p.contact_id"
        ),
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&target.only_to)
        .bind(target.test)
        .bind(target.schedule_at)
        .bind(target.send)
        .bind(target.account.0)
        .bind(target.channel.as_str())
        .bind(&contacts)
        .bind(&groups)
        .bind(target.needs_opt_in)
        .bind(target.spacing_us)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    Ok(())
}

/// The acceptance of a stored send, counted from its messages.
async fn acceptance(
    conn: &mut PgConnection,
    account: AccountId,
    id: SendId,
    replayed: bool,
) -> StoreResult<Acceptance> {
    let send = send_record(conn, account, id).await?;
    let accepted = send
        .counts
        .iter()
        .filter(|(status, _)| **status != MessageStatus::Skipped)
        .map(|(_, n)| n)
        .sum();
    let by_reason: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT reason, count(*) FROM messages WHERE send_id = $1 AND status = 'skipped' \
         GROUP BY reason",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    let mut skipped_by_reason = BTreeMap::new();
    for (reason, n) in by_reason {
        let reason = skip_reason(reason.as_deref().unwrap_or_default())?;
        skipped_by_reason.insert(reason, unsigned(n));
    }
    let listed: Vec<(Option<String>, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT recipient, contact_id, reason FROM messages \
         WHERE send_id = $1 AND status = 'skipped' ORDER BY id LIMIT $2",
    )
    .bind(id.0)
    .bind(MAX_LISTED_SKIPS as i64)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    let skipped = listed
        .into_iter()
        .map(|(recipient, contact, reason)| {
            let reason: SkipReason = skip_reason(reason.as_deref().unwrap_or_default())?;
            let recipient =
                recipient.unwrap_or_else(|| format!("contact {}", contact.unwrap_or_default()));
            Ok(Skipped { recipient, reason })
        })
        .collect::<StoreResult<_>>()?;
    Ok(Acceptance {
        send,
        accepted,
        skipped,
        skipped_by_reason,
        replayed,
    })
}
