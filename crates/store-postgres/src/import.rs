//! Contact import: one batch, one transaction, a fixed number of statements whatever its size.
//!
//! 1. lock the account's imports (two batches of one account never interleave);
//! 2. load the stored contacts holding any number of the batch, with their group codes;
//! 3. decide every row in memory ([`plan`]);
//! 4. create missing groups, insert new contacts, update changed ones and add memberships,
//!    each as one statement over arrays.

mod plan;

use std::collections::{BTreeSet, HashMap};

use bote_domain::AccountId;
use bote_store::{ImportOutcome, ImportRow, StoreError, StoreResult};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

use crate::contacts::group_codes;
use crate::errors::{backend, write_error, write_error_detailed};
use plan::{Slot, plan};

/// First key of the advisory locks bote takes per account ("bote" in ASCII).
const IMPORT_LOCK_CLASS: i32 = 0x626f_7465;

pub(crate) async fn import(
    pool: &PgPool,
    account: AccountId,
    rows: &[ImportRow],
) -> StoreResult<ImportOutcome> {
    if rows.is_empty() {
        return Ok(ImportOutcome::default());
    }
    let mut tx = pool.begin().await.map_err(backend)?;
    sqlx::query("SELECT pg_advisory_xact_lock($1, ($2 % 2147483647)::int4)")
        .bind(IMPORT_LOCK_CLASS)
        .bind(account.0)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;

    let stored = load_stored(&mut tx, account, rows).await?;
    let plan = plan(stored, rows);
    let group_ids = ensure_groups(&mut tx, account, &plan.slots).await?;
    let ids = insert_new(&mut tx, account, &plan.slots).await?;
    update_touched(&mut tx, account, &plan.slots).await?;
    add_memberships(&mut tx, account, &plan.slots, &ids, &group_ids).await?;
    tx.commit().await.map_err(backend)?;
    Ok(plan.outcome)
}

#[derive(sqlx::FromRow)]
struct StoredContact {
    id: i64,
    first_name: Option<String>,
    last_name: Option<String>,
    sms_number: Option<String>,
    whatsapp_number: Option<String>,
    fields: Json<std::collections::BTreeMap<String, String>>,
}

/// The stored contacts of the account that hold any number of the batch, locked.
async fn load_stored(
    conn: &mut PgConnection,
    account: AccountId,
    rows: &[ImportRow],
) -> StoreResult<Vec<Slot>> {
    let sms: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.sms_number.as_ref().map(|n| n.as_str()))
        .collect();
    let whatsapp: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.whatsapp_number.as_ref().map(|n| n.as_str()))
        .collect();
    let found: Vec<StoredContact> = sqlx::query_as(
        "SELECT id, first_name, last_name, sms_number, whatsapp_number, fields FROM contacts \
         WHERE account_id = $1 AND (sms_number = ANY($2) OR whatsapp_number = ANY($3)) \
         ORDER BY id FOR UPDATE",
    )
    .bind(account.0)
    .bind(&sms)
    .bind(&whatsapp)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;

    let ids: Vec<i64> = found.iter().map(|c| c.id).collect();
    let mut codes = group_codes(&mut *conn, account, &ids).await?;
    Ok(found
        .into_iter()
        .map(|c| {
            let groups: BTreeSet<String> = codes
                .remove(&c.id)
                .unwrap_or_default()
                .into_iter()
                .map(|code| code.as_str().to_owned())
                .collect();
            Slot {
                id: Some(c.id),
                line: 0,
                first_name: c.first_name,
                last_name: c.last_name,
                sms_number: c.sms_number,
                whatsapp_number: c.whatsapp_number,
                fields: c.fields.0,
                stored_groups: groups.clone(),
                groups,
                touched: false,
            }
        })
        .collect())
}

/// Ids of every group the batch adds members to, creating the missing ones (name = code).
async fn ensure_groups(
    conn: &mut PgConnection,
    account: AccountId,
    slots: &[Slot],
) -> StoreResult<HashMap<String, i64>> {
    let wanted: BTreeSet<&str> = slots
        .iter()
        .flat_map(|s| s.new_groups())
        .map(String::as_str)
        .collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let wanted: Vec<&str> = wanted.into_iter().collect();
    let select = "SELECT code, id FROM groups WHERE account_id = $1 AND code = ANY($2)";
    let mut ids: HashMap<String, i64> = sqlx::query_as(select)
        .bind(account.0)
        .bind(&wanted)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend)?
        .into_iter()
        .collect();
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|code| !ids.contains_key(*code))
        .collect();
    if missing.is_empty() {
        return Ok(ids);
    }
    let created: Vec<(String, i64)> = sqlx::query_as(
        "INSERT INTO groups (account_id, name, code) SELECT $1, code, code \
         FROM unnest($2::text[]) AS code ON CONFLICT (account_id, code) DO NOTHING \
         RETURNING code, id",
    )
    .bind(account.0)
    .bind(&missing)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    ids.extend(created);
    if ids.len() < wanted.len() {
        // Created meanwhile by someone else: this new statement sees them.
        let raced: Vec<&str> = missing
            .into_iter()
            .filter(|code| !ids.contains_key(*code))
            .collect();
        let found: Vec<(String, i64)> = sqlx::query_as(select)
            .bind(account.0)
            .bind(&raced)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend)?;
        ids.extend(found);
    }
    Ok(ids)
}

fn fields_json(slot: &Slot) -> StoreResult<String> {
    serde_json::to_string(&slot.fields).map_err(|err| StoreError::Backend(err.into()))
}

/// Inserts the contacts the batch creates; returns the new ids by slot index.
async fn insert_new(
    conn: &mut PgConnection,
    account: AccountId,
    slots: &[Slot],
) -> StoreResult<HashMap<usize, i64>> {
    let new: Vec<usize> = (0..slots.len())
        .filter(|&i| slots[i].id.is_none())
        .collect();
    if new.is_empty() {
        return Ok(HashMap::new());
    }
    let column = |f: fn(&Slot) -> Option<&str>| -> Vec<Option<&str>> {
        new.iter().map(|&i| f(&slots[i])).collect()
    };
    let first = column(|s| s.first_name.as_deref());
    let last = column(|s| s.last_name.as_deref());
    let sms = column(|s| s.sms_number.as_deref());
    let whatsapp = column(|s| s.whatsapp_number.as_deref());
    let fields = new
        .iter()
        .map(|&i| fields_json(&slots[i]))
        .collect::<StoreResult<Vec<String>>>()?;
    let inserted: Vec<(i64, Option<String>, Option<String>)> = sqlx::query_as(
        "INSERT INTO contacts \
         (account_id, first_name, last_name, sms_number, whatsapp_number, fields) \
         SELECT $1, f, l, s, w, j::jsonb \
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) \
         AS t(f, l, s, w, j) \
         RETURNING id, sms_number, whatsapp_number",
    )
    .bind(account.0)
    .bind(&first)
    .bind(&last)
    .bind(&sms)
    .bind(&whatsapp)
    .bind(&fields)
    .fetch_all(&mut *conn)
    .await
    .map_err(write_error_detailed)?;

    // Every new contact has a number no other contact of the batch has: match by it.
    let by_sms: HashMap<&str, usize> = new
        .iter()
        .filter_map(|&i| slots[i].sms_number.as_deref().map(|n| (n, i)))
        .collect();
    let by_whatsapp: HashMap<&str, usize> = new
        .iter()
        .filter_map(|&i| slots[i].whatsapp_number.as_deref().map(|n| (n, i)))
        .collect();
    let mut ids = HashMap::with_capacity(inserted.len());
    for (id, sms, whatsapp) in inserted {
        let slot = sms
            .as_deref()
            .and_then(|n| by_sms.get(n))
            .or_else(|| whatsapp.as_deref().and_then(|n| by_whatsapp.get(n)))
            .ok_or_else(|| {
                StoreError::Backend(anyhow::anyhow!("inserted contact {id} unmatched"))
            })?;
        ids.insert(*slot, id);
    }
    Ok(ids)
}

/// Writes the new state of the stored contacts that rows changed.
async fn update_touched(
    conn: &mut PgConnection,
    account: AccountId,
    slots: &[Slot],
) -> StoreResult<()> {
    let touched: Vec<&Slot> = slots
        .iter()
        .filter(|s| s.id.is_some() && s.touched)
        .collect();
    if touched.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = touched.iter().filter_map(|s| s.id).collect();
    let column = |f: fn(&Slot) -> Option<&str>| -> Vec<Option<&str>> {
        touched.iter().map(|s| f(s)).collect()
    };
    let first = column(|s| s.first_name.as_deref());
    let last = column(|s| s.last_name.as_deref());
    let sms = column(|s| s.sms_number.as_deref());
    let whatsapp = column(|s| s.whatsapp_number.as_deref());
    let fields = touched
        .iter()
        .map(|s| fields_json(s))
        .collect::<StoreResult<Vec<String>>>()?;
    sqlx::query(
        "UPDATE contacts c SET first_name = t.f, last_name = t.l, sms_number = t.s, \
         whatsapp_number = t.w, fields = t.j::jsonb, updated_at = now() \
         FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) \
         AS t(id, f, l, s, w, j) \
         WHERE c.account_id = $1 AND c.id = t.id",
    )
    .bind(account.0)
    .bind(&ids)
    .bind(&first)
    .bind(&last)
    .bind(&sms)
    .bind(&whatsapp)
    .bind(&fields)
    .execute(&mut *conn)
    .await
    .map_err(write_error_detailed)?;
    Ok(())
}

/// Adds every membership the batch asks for that the contact does not have yet.
async fn add_memberships(
    conn: &mut PgConnection,
    account: AccountId,
    slots: &[Slot],
    new_ids: &HashMap<usize, i64>,
    group_ids: &HashMap<String, i64>,
) -> StoreResult<()> {
    let mut groups = Vec::new();
    let mut contacts = Vec::new();
    for (index, slot) in slots.iter().enumerate() {
        let Some(contact) = slot.id.or_else(|| new_ids.get(&index).copied()) else {
            continue;
        };
        for code in slot.new_groups() {
            let group = group_ids.get(code).copied().ok_or_else(|| {
                StoreError::Backend(anyhow::anyhow!("group {code} was not created"))
            })?;
            groups.push(group);
            contacts.push(contact);
        }
    }
    if groups.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO group_members (group_id, contact_id, account_id) \
         SELECT g, c, $1 FROM unnest($2::bigint[], $3::bigint[]) AS t(g, c) \
         ON CONFLICT DO NOTHING",
    )
    .bind(account.0)
    .bind(&groups)
    .bind(&contacts)
    .execute(&mut *conn)
    .await
    .map_err(|err| write_error(err, |_| String::new()))?;
    Ok(())
}
