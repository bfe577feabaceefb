//! Contacts: create, read, replace, delete, and pages of listings.

use std::collections::HashMap;

use bote_domain::{AccountId, ContactId, GroupCode};
use bote_store::{
    Contact, ContactDraft, ContactQuery, ContactStore, ImportOutcome, ImportRow, Page, StoreError,
    StoreResult,
};
use sqlx::SqliteConnection;

use crate::errors::{DbResultExt, UniqueKey, conflict};
use crate::rows::{ContactRow, contact_columns, fields_json, id_array, text_array};
use crate::{SqliteStore, search, time};

#[async_trait::async_trait]
impl ContactStore for SqliteStore {
    async fn create_contact(
        &self,
        account: AccountId,
        draft: ContactDraft,
    ) -> StoreResult<Contact> {
        let now = time::text(time::now());
        let mut tx = crate::write::begin(self).await?;
        let groups = match &draft.groups {
            Some(codes) => Some(resolve_groups(&mut tx, account, codes).await?),
            None => None,
        };
        let row: ContactRow = sqlx::query_as(concat!(
            "INSERT INTO contacts (account_id, first_name, last_name, sms_number, \
             whatsapp_number, fields, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) RETURNING ",
            contact_columns!()
        ))
        .bind(account.0)
        .bind(&draft.first_name)
        .bind(&draft.last_name)
        .bind(draft.sms_number.as_ref().map(|n| n.as_str().to_owned()))
        .bind(
            draft
                .whatsapp_number
                .as_ref()
                .map(|n| n.as_str().to_owned()),
        )
        .bind(fields_json(&draft.fields))
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|err| number_conflict(err, &draft))?;
        let groups = groups.unwrap_or_default();
        if !groups.is_empty() {
            set_memberships(&mut tx, account, row.id, &groups, &now).await?;
        }
        tx.commit().await.db()?;
        row.into_contact(groups.into_iter().map(|(_, code)| code).collect())
    }

    async fn contact(&self, account: AccountId, id: ContactId) -> StoreResult<Contact> {
        let mut conn = self.pool.acquire().await.db()?;
        let row: ContactRow = sqlx::query_as(concat!(
            "SELECT ",
            contact_columns!(),
            " FROM contacts WHERE account_id = ? AND id = ?"
        ))
        .bind(account.0)
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .db()?
        .ok_or(StoreError::NotFound("contact"))?;
        let codes = group_codes(&mut conn, account, &[row.id]).await?;
        row.into_contact(codes.into_values().next().unwrap_or_default())
    }

    async fn update_contact(
        &self,
        account: AccountId,
        id: ContactId,
        draft: ContactDraft,
    ) -> StoreResult<Contact> {
        let now = time::text(time::now());
        let mut tx = crate::write::begin(self).await?;
        let row: ContactRow = sqlx::query_as(concat!(
            "UPDATE contacts SET first_name = ?, last_name = ?, sms_number = ?, \
             whatsapp_number = ?, fields = ?, updated_at = ? \
             WHERE account_id = ? AND id = ? RETURNING ",
            contact_columns!()
        ))
        .bind(&draft.first_name)
        .bind(&draft.last_name)
        .bind(draft.sms_number.as_ref().map(|n| n.as_str().to_owned()))
        .bind(
            draft
                .whatsapp_number
                .as_ref()
                .map(|n| n.as_str().to_owned()),
        )
        .bind(fields_json(&draft.fields))
        .bind(&now)
        .bind(account.0)
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|err| number_conflict(err, &draft))?
        .ok_or(StoreError::NotFound("contact"))?;
        let codes = match &draft.groups {
            Some(codes) => {
                let groups = resolve_groups(&mut tx, account, codes).await?;
                set_memberships(&mut tx, account, row.id, &groups, &now).await?;
                groups.into_iter().map(|(_, code)| code).collect()
            }
            None => {
                let codes = group_codes(&mut tx, account, &[row.id]).await?;
                codes.into_values().next().unwrap_or_default()
            }
        };
        tx.commit().await.db()?;
        row.into_contact(codes)
    }

    async fn delete_contact(&self, account: AccountId, id: ContactId) -> StoreResult<()> {
        // Memberships go with the contact (ON DELETE CASCADE).
        let done = sqlx::query("DELETE FROM contacts WHERE account_id = ? AND id = ?")
            .bind(account.0)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .db()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("contact"));
        }
        Ok(())
    }

    async fn list_contacts(
        &self,
        account: AccountId,
        query: ContactQuery,
    ) -> StoreResult<Page<Contact>> {
        let mut conn = self.pool.acquire().await.db()?;
        let limit = query.limit.max(1) as usize;
        let Some(mut rows) = search::page(&mut conn, account, &query).await? else {
            return Ok(Page {
                items: Vec::new(),
                next_after: None,
            });
        };
        let next_after = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|row| row.id)
        } else {
            None
        };
        let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
        let mut codes = group_codes(&mut conn, account, &ids).await?;
        let items = rows
            .into_iter()
            .map(|row| {
                let groups = codes.remove(&row.id).unwrap_or_default();
                row.into_contact(groups)
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page { items, next_after })
    }

    async fn import_contacts(
        &self,
        account: AccountId,
        rows: &[ImportRow],
    ) -> StoreResult<ImportOutcome> {
        crate::import::import(self, account, rows).await
    }
}

/// `Conflict` naming the number of `draft` that another contact already has.
fn number_conflict(err: sqlx::Error, draft: &ContactDraft) -> StoreError {
    let mut keys = Vec::new();
    if let Some(number) = &draft.sms_number {
        keys.push(UniqueKey {
            column: "contacts.sms_number",
            what: "sms_number",
            value: number.as_str(),
        });
    }
    if let Some(number) = &draft.whatsapp_number {
        keys.push(UniqueKey {
            column: "contacts.whatsapp_number",
            what: "whatsapp_number",
            value: number.as_str(),
        });
    }
    conflict(err, &keys)
}

/// The ids of the account's groups with these codes, sorted by code; `Unknown` for the
/// first code that names no group.
pub(crate) async fn resolve_groups(
    conn: &mut SqliteConnection,
    account: AccountId,
    codes: &[GroupCode],
) -> StoreResult<Vec<(i64, GroupCode)>> {
    let found: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, code FROM groups \
         WHERE account_id = ? AND code IN (SELECT value FROM json_each(?)) ORDER BY code",
    )
    .bind(account.0)
    .bind(text_array(codes.iter().map(GroupCode::as_str)))
    .fetch_all(&mut *conn)
    .await
    .db()?;
    if let Some(missing) = codes
        .iter()
        .find(|code| !found.iter().any(|(_, c)| c == code.as_str()))
    {
        return Err(StoreError::Unknown {
            what: "group",
            value: missing.to_string(),
        });
    }
    Ok(found
        .into_iter()
        .map(|(id, code)| (id, GroupCode::from_stored(code)))
        .collect())
}

/// Makes `groups` the contact's memberships, keeping those it already had as they were.
async fn set_memberships(
    conn: &mut SqliteConnection,
    account: AccountId,
    contact: i64,
    groups: &[(i64, GroupCode)],
    now: &str,
) -> StoreResult<()> {
    let group_ids = id_array(groups.iter().map(|(id, _)| *id));
    sqlx::query(
        "DELETE FROM group_members WHERE contact_id = ? \
         AND group_id NOT IN (SELECT value FROM json_each(?))",
    )
    .bind(contact)
    .bind(&group_ids)
    .execute(&mut *conn)
    .await
    .db()?;
    sqlx::query(
        "INSERT INTO group_members (group_id, contact_id, account_id, created_at) \
         SELECT value, ?, ?, ? FROM json_each(?) WHERE true ON CONFLICT DO NOTHING",
    )
    .bind(contact)
    .bind(account.0)
    .bind(now)
    .bind(&group_ids)
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(())
}

/// `?2`: a JSON array of contact ids.
pub(crate) const GROUP_CODES: &str = "\
    SELECT gm.contact_id, g.code FROM group_members gm JOIN groups g ON g.id = gm.group_id \
    WHERE gm.account_id = ?1 AND gm.contact_id IN (SELECT value FROM json_each(?2))";

/// The group codes of each of these contacts that is in any group, in one query.
pub(crate) async fn group_codes(
    conn: &mut SqliteConnection,
    account: AccountId,
    contacts: &[i64],
) -> StoreResult<HashMap<i64, Vec<GroupCode>>> {
    let mut codes: HashMap<i64, Vec<GroupCode>> = HashMap::new();
    if contacts.is_empty() {
        return Ok(codes);
    }
    let rows: Vec<(i64, String)> = sqlx::query_as(GROUP_CODES)
        .bind(account.0)
        .bind(id_array(contacts.iter().copied()))
        .fetch_all(&mut *conn)
        .await
        .db()?;
    for (contact, code) in rows {
        codes
            .entry(contact)
            .or_default()
            .push(GroupCode::from_stored(code));
    }
    Ok(codes)
}
