//! Contact imports: one batch, one `BEGIN IMMEDIATE` transaction, a fixed number of
//! statements whatever the batch size.
//!
//! Reads: the stored contacts that share a number with any row, the batch's groups, and
//! those contacts' memberships in them. [`Book`] then decides every row in memory. Writes:
//! missing groups, new contacts, changed contacts and new memberships, one statement each.
//! Rows travel as one JSON array per statement, read back with `jsonb_each` (whose values
//! stay binary, so each row's fields are extracted without parsing text again). That keeps
//! clear of SQLite's limit on bound variables and lets SQLite cache each statement.

use std::collections::HashMap;

use bote_domain::AccountId;
use bote_store::{ImportOutcome, ImportRow, RejectedRow, StoreResult};
use sqlx::SqliteConnection;

use crate::SqliteStore;
use crate::errors::DbResultExt;
use crate::merge::{Applied, Book, Slot};
use crate::rows::{fields_json, id_array, parse_fields, text_array};
use crate::time;

/// Stored contacts that share a number with the batch (`?2` SMS, `?3` WhatsApp numbers).
pub(crate) const LOAD_CONTACTS: &str = "\
    SELECT id, first_name, last_name, sms_number, whatsapp_number, fields FROM contacts \
    WHERE account_id = ?1 AND sms_number IS NOT NULL \
      AND sms_number IN (SELECT value FROM json_each(?2)) \
    UNION \
    SELECT id, first_name, last_name, sms_number, whatsapp_number, fields FROM contacts \
    WHERE account_id = ?1 AND whatsapp_number IS NOT NULL \
      AND whatsapp_number IN (SELECT value FROM json_each(?3))";

/// Memberships of the loaded contacts (`?1`), each in few groups: those of other groups
/// than the batch's are dropped in Rust, cheaper than probing every contact-group pair.
pub(crate) const LOAD_MEMBERSHIPS: &str = "\
    SELECT contact_id, group_id FROM group_members \
    WHERE contact_id IN (SELECT value FROM json_each(?1))";

pub(crate) const CREATE_GROUPS: &str = "\
    INSERT INTO groups (account_id, name, code, created_at) \
    SELECT ?1, value, value, ?2 FROM json_each(?3) RETURNING code, id";

/// The highest contact id ever given. New contacts of a batch are numbered from it: the
/// batch holds the write lock, so nobody else inserts meanwhile, and skipping RETURNING
/// saves a hand-over between threads per row in sqlx.
pub(crate) const LAST_CONTACT_ID: &str = "\
    SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'contacts'), 0), \
               coalesce((SELECT max(id) FROM contacts), 0))";

/// `?3`: `[[id, first_name, last_name, sms_number, whatsapp_number, fields], …]`
pub(crate) const INSERT_CONTACTS: &str = "\
    INSERT INTO contacts (id, account_id, first_name, last_name, sms_number, whatsapp_number, \
                          fields, created_at, updated_at) \
    SELECT value ->> 0, ?1, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, \
           ?2, ?2 \
    FROM jsonb_each(?3)";

/// `?3`: `[[id, first_name, last_name, sms_number, whatsapp_number, fields], …]`.
/// Materialised so that SQLite walks the batch and looks each contact up by id, rather than
/// walking the account's contacts and, for each, the batch.
pub(crate) const UPDATE_CONTACTS: &str = "\
    WITH u (id, v) AS MATERIALIZED (SELECT value ->> 0, value FROM jsonb_each(?3)) \
    UPDATE contacts SET first_name = u.v ->> 1, last_name = u.v ->> 2, \
        sms_number = u.v ->> 3, whatsapp_number = u.v ->> 4, fields = u.v ->> 5, \
        updated_at = ?2 \
    FROM u WHERE contacts.id = u.id AND contacts.account_id = ?1";

/// `?3`: `[[group_id, contact_id], …]`
pub(crate) const INSERT_MEMBERSHIPS: &str = "\
    INSERT INTO group_members (group_id, contact_id, account_id, created_at) \
    SELECT value ->> 0, value ->> 1, ?1, ?2 FROM jsonb_each(?3) WHERE true \
    ON CONFLICT DO NOTHING";

pub(crate) async fn import(
    store: &SqliteStore,
    account: AccountId,
    rows: &[ImportRow],
) -> StoreResult<ImportOutcome> {
    let mut outcome = ImportOutcome::default();
    if rows.is_empty() {
        return Ok(outcome);
    }
    let now = time::text(time::now());
    let mut tx = crate::write::begin(store).await?;
    let mut groups = load_groups(&mut tx, account, rows).await?;
    let mut book = load_contacts(&mut tx, account, rows, &groups).await?;
    for row in rows {
        match book.apply(row) {
            Ok(Applied::Created) => outcome.created += 1,
            Ok(Applied::Updated) => outcome.updated += 1,
            Ok(Applied::Unchanged) => outcome.unchanged += 1,
            Err((field, reason)) => outcome.rejected.push(RejectedRow {
                line: row.line,
                field: field.to_owned(),
                reason,
            }),
        }
    }
    create_groups(&mut tx, account, &book, &mut groups, &now).await?;
    insert_contacts(&mut tx, account, &mut book, &now).await?;
    update_contacts(&mut tx, account, &book, &now).await?;
    add_memberships(&mut tx, account, &book, &groups, &now).await?;
    tx.commit().await.db()?;
    Ok(outcome)
}

/// The account's groups named by any row, code → id.
async fn load_groups(
    conn: &mut SqliteConnection,
    account: AccountId,
    rows: &[ImportRow],
) -> StoreResult<HashMap<String, i64>> {
    let mut codes: Vec<&str> = rows
        .iter()
        .flat_map(|r| r.groups.iter().map(|g| g.as_str()))
        .collect();
    if codes.is_empty() {
        return Ok(HashMap::new());
    }
    codes.sort_unstable();
    codes.dedup();
    let found: Vec<(String, i64)> = sqlx::query_as(
        "SELECT code, id FROM groups WHERE account_id = ? AND code IN (SELECT value FROM json_each(?))",
    )
    .bind(account.0)
    .bind(text_array(codes))
    .fetch_all(&mut *conn)
    .await
    .db()?;
    Ok(found.into_iter().collect())
}

#[derive(sqlx::FromRow)]
struct StoredContact {
    id: i64,
    first_name: Option<String>,
    last_name: Option<String>,
    sms_number: Option<String>,
    whatsapp_number: Option<String>,
    fields: String,
}

/// The stored contacts that share a number with any row, with their memberships in the
/// batch's groups.
async fn load_contacts(
    conn: &mut SqliteConnection,
    account: AccountId,
    rows: &[ImportRow],
    groups: &HashMap<String, i64>,
) -> StoreResult<Book> {
    let sms = text_array(
        rows.iter()
            .filter_map(|r| r.sms_number.as_ref().map(|n| n.as_str())),
    );
    let whatsapp = text_array(
        rows.iter()
            .filter_map(|r| r.whatsapp_number.as_ref().map(|n| n.as_str())),
    );
    let stored: Vec<StoredContact> = sqlx::query_as(LOAD_CONTACTS)
        .bind(account.0)
        .bind(sms)
        .bind(whatsapp)
        .fetch_all(&mut *conn)
        .await
        .db()?;

    let mut memberships: HashMap<i64, Vec<String>> = HashMap::new();
    if !stored.is_empty() && !groups.is_empty() {
        let codes: HashMap<i64, &str> = groups.iter().map(|(c, id)| (*id, c.as_str())).collect();
        let pairs: Vec<(i64, i64)> = sqlx::query_as(LOAD_MEMBERSHIPS)
            .bind(id_array(stored.iter().map(|c| c.id)))
            .fetch_all(&mut *conn)
            .await
            .db()?;
        for (contact, group) in pairs {
            if let Some(code) = codes.get(&group) {
                memberships
                    .entry(contact)
                    .or_default()
                    .push((*code).to_owned());
            }
        }
    }

    let mut book = Book::default();
    for contact in stored {
        book.add_stored(Slot {
            id: Some(contact.id),
            fields: parse_fields(&contact.fields)?,
            first_name: contact.first_name,
            last_name: contact.last_name,
            sms_number: contact.sms_number,
            whatsapp_number: contact.whatsapp_number,
            groups: memberships
                .remove(&contact.id)
                .unwrap_or_default()
                .into_iter()
                .collect(),
            ..Slot::default()
        });
    }
    Ok(book)
}

/// Creates the groups that rows join and that do not exist yet (name = code).
async fn create_groups(
    conn: &mut SqliteConnection,
    account: AccountId,
    book: &Book,
    groups: &mut HashMap<String, i64>,
    now: &str,
) -> StoreResult<()> {
    let mut missing: Vec<&str> = book
        .slots()
        .iter()
        .flat_map(|slot| slot.new_groups.iter().map(String::as_str))
        .filter(|code| !groups.contains_key(*code))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    missing.sort_unstable();
    missing.dedup();
    let created: Vec<(String, i64)> = sqlx::query_as(CREATE_GROUPS)
        .bind(account.0)
        .bind(now)
        .bind(text_array(missing))
        .fetch_all(&mut *conn)
        .await
        .db()?;
    groups.extend(created);
    Ok(())
}

/// A slot as it travels to SQLite, a JSON array: id, names, numbers, fields.
type ContactValues<'a> = (
    i64,
    &'a Option<String>,
    &'a Option<String>,
    &'a Option<String>,
    &'a Option<String>,
    String,
);

fn contact_values(id: i64, slot: &Slot) -> ContactValues<'_> {
    (
        id,
        &slot.first_name,
        &slot.last_name,
        &slot.sms_number,
        &slot.whatsapp_number,
        fields_json(&slot.fields),
    )
}

/// Numbers and inserts the contacts the batch creates.
async fn insert_contacts(
    conn: &mut SqliteConnection,
    account: AccountId,
    book: &mut Book,
    now: &str,
) -> StoreResult<()> {
    if !book.slots().iter().any(Slot::is_new) {
        return Ok(());
    }
    let mut last: i64 = sqlx::query_scalar(LAST_CONTACT_ID)
        .fetch_one(&mut *conn)
        .await
        .db()?;
    for slot in book.slots_mut().iter_mut().filter(|slot| slot.is_new()) {
        last += 1;
        slot.id = Some(last);
    }
    let values: Vec<_> = book
        .slots()
        .iter()
        .filter(|slot| slot.is_new())
        .map(|slot| contact_values(slot.id.expect("numbered above"), slot))
        .collect();
    sqlx::query(INSERT_CONTACTS)
        .bind(account.0)
        .bind(now)
        .bind(serde_json::to_string(&values).expect("strings always serialise"))
        .execute(&mut *conn)
        .await
        .db()?;
    Ok(())
}

/// Writes back the stored contacts the batch changed.
async fn update_contacts(
    conn: &mut SqliteConnection,
    account: AccountId,
    book: &Book,
    now: &str,
) -> StoreResult<()> {
    let values: Vec<_> = book
        .slots()
        .iter()
        .filter(|slot| slot.is_updated())
        .map(|slot| contact_values(slot.id.expect("a stored contact"), slot))
        .collect();
    if values.is_empty() {
        return Ok(());
    }
    sqlx::query(UPDATE_CONTACTS)
        .bind(account.0)
        .bind(now)
        .bind(serde_json::to_string(&values).expect("strings always serialise"))
        .execute(&mut *conn)
        .await
        .db()?;
    Ok(())
}

/// Adds the memberships rows asked for.
async fn add_memberships(
    conn: &mut SqliteConnection,
    account: AccountId,
    book: &Book,
    groups: &HashMap<String, i64>,
    now: &str,
) -> StoreResult<()> {
    let pairs: Vec<(i64, i64)> = book
        .slots()
        .iter()
        .flat_map(|slot| {
            let contact = slot.id.expect("every contact is stored by now");
            slot.new_groups
                .iter()
                .map(move |code| (groups[code], contact))
        })
        .collect();
    if pairs.is_empty() {
        return Ok(());
    }
    sqlx::query(INSERT_MEMBERSHIPS)
        .bind(account.0)
        .bind(now)
        .bind(serde_json::to_string(&pairs).expect("integers always serialise"))
        .execute(&mut *conn)
        .await
        .db()?;
    Ok(())
}
