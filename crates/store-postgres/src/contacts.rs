//! Contacts: single-row writes, pages, and the group codes that come with them.

use std::collections::HashMap;

use bote_domain::{AccountId, ContactId, GroupCode};
use bote_store::{
    Contact, ContactDraft, ContactQuery, ContactSearch, ContactStore, ImportOutcome, ImportRow,
    Page, StoreError, StoreResult,
};
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor, Postgres, QueryBuilder};

use crate::PostgresStore;
use crate::errors::{backend, write_error};
use crate::rows::{ContactRow, contact_columns, paginate};

/// The group codes of these contacts, per contact id (unsorted; `into_contact` sorts).
pub(crate) async fn group_codes(
    db: impl PgExecutor<'_>,
    account: AccountId,
    contacts: &[i64],
) -> StoreResult<HashMap<i64, Vec<GroupCode>>> {
    if contacts.is_empty() {
        return Ok(HashMap::new());
    }
    let pairs: Vec<(i64, String)> = sqlx::query_as(
        "SELECT m.contact_id, g.code FROM group_members m JOIN groups g ON g.id = m.group_id \
         WHERE m.account_id = $1 AND m.contact_id = ANY($2)",
    )
    .bind(account.0)
    .bind(contacts)
    .fetch_all(db)
    .await
    .map_err(backend)?;
    let mut codes: HashMap<i64, Vec<GroupCode>> = HashMap::new();
    for (contact, code) in pairs {
        codes
            .entry(contact)
            .or_default()
            .push(GroupCode::from_stored(code));
    }
    Ok(codes)
}

/// The ids of the groups with these codes; `Unknown { what: "group" }` names the first
/// code that has none.
async fn resolve_groups(
    conn: &mut PgConnection,
    account: AccountId,
    codes: &[GroupCode],
) -> StoreResult<Vec<(i64, GroupCode)>> {
    let wanted: Vec<&str> = codes.iter().map(GroupCode::as_str).collect();
    let found: HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
        "SELECT code, id FROM groups WHERE account_id = $1 AND code = ANY($2)",
    )
    .bind(account.0)
    .bind(&wanted)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?
    .into_iter()
    .collect();
    let mut groups: Vec<(i64, GroupCode)> = Vec::with_capacity(codes.len());
    for code in codes {
        let Some(&id) = found.get(code.as_str()) else {
            return Err(StoreError::Unknown {
                what: "group",
                value: code.to_string(),
            });
        };
        if !groups.iter().any(|(known, _)| *known == id) {
            groups.push((id, code.clone()));
        }
    }
    Ok(groups)
}

/// Makes the contact's memberships exactly `groups`.
async fn replace_memberships(
    conn: &mut PgConnection,
    account: AccountId,
    contact: i64,
    groups: &[(i64, GroupCode)],
) -> StoreResult<()> {
    let ids: Vec<i64> = groups.iter().map(|(id, _)| *id).collect();
    sqlx::query(
        "DELETE FROM group_members \
         WHERE account_id = $1 AND contact_id = $2 AND NOT (group_id = ANY($3))",
    )
    .bind(account.0)
    .bind(contact)
    .bind(&ids)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    sqlx::query(
        "INSERT INTO group_members (group_id, contact_id, account_id) \
         SELECT g, $2, $1 FROM unnest($3::bigint[]) AS g ON CONFLICT DO NOTHING",
    )
    .bind(account.0)
    .bind(contact)
    .bind(&ids)
    .execute(&mut *conn)
    .await
    .map_err(|err| write_error(err, |_| String::new()))?;
    Ok(())
}

/// The number a unique violation on `what` is about.
fn taken_number(draft: &ContactDraft, what: &str) -> String {
    let number = match what {
        "whatsapp_number" => &draft.whatsapp_number,
        _ => &draft.sms_number,
    };
    number.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// `text` as an ILIKE pattern matching it anywhere, its own `%`, `_` and `\` taken literally.
pub(crate) fn substring_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

fn codes_of(groups: &[(i64, GroupCode)]) -> Vec<GroupCode> {
    groups.iter().map(|(_, code)| code.clone()).collect()
}

#[async_trait::async_trait]
impl ContactStore for PostgresStore {
    async fn create_contact(
        &self,
        account: AccountId,
        draft: ContactDraft,
    ) -> StoreResult<Contact> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let groups = match &draft.groups {
            Some(codes) => resolve_groups(&mut tx, account, codes).await?,
            None => Vec::new(),
        };
        let row: ContactRow = sqlx::query_as(concat!(
            "INSERT INTO contacts (account_id, first_name, last_name, sms_number, ",
            "whatsapp_number, fields) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
            contact_columns!()
        ))
        .bind(account.0)
        .bind(&draft.first_name)
        .bind(&draft.last_name)
        .bind(draft.sms_number.as_ref().map(|n| n.as_str()))
        .bind(draft.whatsapp_number.as_ref().map(|n| n.as_str()))
        .bind(Json(&draft.fields))
        .fetch_one(&mut *tx)
        .await
        .map_err(|err| write_error(err, |what| taken_number(&draft, what)))?;
        if !groups.is_empty() {
            replace_memberships(&mut tx, account, row.id, &groups).await?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(row.into_contact(codes_of(&groups)))
    }

    async fn contact(&self, account: AccountId, id: ContactId) -> StoreResult<Contact> {
        let row: Option<ContactRow> = sqlx::query_as(concat!(
            "SELECT ",
            contact_columns!(),
            " FROM contacts WHERE account_id = $1 AND id = $2"
        ))
        .bind(account.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let row = row.ok_or(StoreError::NotFound("contact"))?;
        let mut codes = group_codes(&self.pool, account, &[row.id]).await?;
        let groups = codes.remove(&row.id).unwrap_or_default();
        Ok(row.into_contact(groups))
    }

    async fn update_contact(
        &self,
        account: AccountId,
        id: ContactId,
        draft: ContactDraft,
    ) -> StoreResult<Contact> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let row: Option<ContactRow> = sqlx::query_as(concat!(
            "UPDATE contacts SET first_name = $3, last_name = $4, sms_number = $5, ",
            "whatsapp_number = $6, fields = $7, updated_at = now() ",
            "WHERE account_id = $1 AND id = $2 RETURNING ",
            contact_columns!()
        ))
        .bind(account.0)
        .bind(id.0)
        .bind(&draft.first_name)
        .bind(&draft.last_name)
        .bind(draft.sms_number.as_ref().map(|n| n.as_str()))
        .bind(draft.whatsapp_number.as_ref().map(|n| n.as_str()))
        .bind(Json(&draft.fields))
        .fetch_optional(&mut *tx)
        .await
        .map_err(|err| write_error(err, |what| taken_number(&draft, what)))?;
        let row = row.ok_or(StoreError::NotFound("contact"))?;
        let groups = match &draft.groups {
            Some(codes) => {
                let groups = resolve_groups(&mut tx, account, codes).await?;
                replace_memberships(&mut tx, account, row.id, &groups).await?;
                codes_of(&groups)
            }
            None => group_codes(&mut *tx, account, &[row.id])
                .await?
                .remove(&row.id)
                .unwrap_or_default(),
        };
        tx.commit().await.map_err(backend)?;
        Ok(row.into_contact(groups))
    }

    async fn delete_contact(&self, account: AccountId, id: ContactId) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM contacts WHERE account_id = $1 AND id = $2")
            .bind(account.0)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
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
        let mut sql = QueryBuilder::<Postgres>::new(concat!(
            "SELECT ",
            contact_columns!(),
            " FROM contacts c WHERE c.account_id = "
        ));
        sql.push_bind(account.0);
        if let Some(after) = query.after {
            sql.push(" AND c.id > ").push_bind(after.0);
        }
        if let Some(group) = &query.group {
            sql.push(
                " AND EXISTS (SELECT 1 FROM group_members m WHERE m.contact_id = c.id \
                 AND m.group_id = (SELECT g.id FROM groups g WHERE g.account_id = ",
            )
            .push_bind(account.0)
            .push(" AND g.code = ")
            .push_bind(group.as_str().to_owned())
            .push("))");
        }
        match &query.search {
            None => {}
            Some(ContactSearch::Number(number)) => {
                sql.push(" AND (c.sms_number = ")
                    .push_bind(number.as_str().to_owned())
                    .push(" OR c.whatsapp_number = ")
                    .push_bind(number.as_str().to_owned())
                    .push(")");
            }
            // Empty text is in every name: no filter.
            Some(ContactSearch::Text(text)) if text.is_empty() => {}
            Some(ContactSearch::Text(text)) => {
                let pattern = substring_pattern(text);
                let mut any = sql.separated(" OR ");
                any.push_unseparated(" AND (");
                for column in ["first_name", "last_name", "sms_number", "whatsapp_number"] {
                    any.push(format_args!("c.{column} ILIKE "))
                        .push_bind_unseparated(pattern.clone())
                        .push_unseparated(" ESCAPE '\\'");
                }
                any.push_unseparated(")");
            }
        }
        // A page holds at least one contact, so `next_after` always moves on.
        let limit = query.limit.max(1);
        sql.push(" ORDER BY c.id LIMIT ")
            .push_bind(i64::from(limit) + 1);
        let rows: Vec<ContactRow> = sql
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;

        let (rows, next_after) = paginate(rows, limit as usize, |r| r.id);
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut codes = group_codes(&self.pool, account, &ids).await?;
        let items = rows
            .into_iter()
            .map(|row| {
                let groups = codes.remove(&row.id).unwrap_or_default();
                row.into_contact(groups)
            })
            .collect();
        Ok(Page { items, next_after })
    }

    async fn import_contacts(
        &self,
        account: AccountId,
        rows: &[ImportRow],
    ) -> StoreResult<ImportOutcome> {
        let outcome = crate::import::import(&self.pool, account, rows).await?;
        let tables = ["contacts", "group_members"];
        let written = outcome.created + outcome.updated;
        self.statistics.written(&self.pool, &tables, written);
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::substring_pattern;

    #[test]
    fn like_wildcards_in_user_text_are_literal() {
        assert_eq!(substring_pattern("anna"), "%anna%");
        assert_eq!(substring_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
