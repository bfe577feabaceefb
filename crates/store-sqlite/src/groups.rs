//! Groups and their members.

use std::collections::HashSet;

use bote_domain::{AccountId, ContactId, GroupCode, GroupId};
use bote_store::{Group, GroupDraft, GroupStore, MembershipChange, Page, StoreError, StoreResult};
use sqlx::SqliteConnection;

use crate::errors::{DbResultExt, UniqueKey, conflict};
use crate::rows::{GroupRow, group_columns, id_array};
use crate::{SqliteStore, time};

fn code_conflict(err: sqlx::Error, code: &GroupCode) -> StoreError {
    let key = UniqueKey {
        column: "groups.code",
        what: "group code",
        value: code.as_str(),
    };
    conflict(err, &[key])
}

#[async_trait::async_trait]
impl GroupStore for SqliteStore {
    async fn create_group(&self, account: AccountId, draft: GroupDraft) -> StoreResult<Group> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO groups (account_id, name, code, created_at) VALUES (?, ?, ?, ?) \
             RETURNING id",
        )
        .bind(account.0)
        .bind(&draft.name)
        .bind(draft.code.as_str())
        .bind(time::text(time::now()))
        .fetch_one(&self.pool)
        .await
        .map_err(|err| code_conflict(err, &draft.code))?;
        self.group(account, GroupId(id)).await
    }

    async fn group(&self, account: AccountId, id: GroupId) -> StoreResult<Group> {
        let row: Option<GroupRow> = sqlx::query_as(concat!(
            "SELECT ",
            group_columns!(),
            " FROM groups g WHERE g.account_id = ? AND g.id = ?"
        ))
        .bind(account.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .db()?;
        Ok(row.ok_or(StoreError::NotFound("group"))?.into())
    }

    async fn group_by_code(&self, account: AccountId, code: &GroupCode) -> StoreResult<Group> {
        let row: Option<GroupRow> = sqlx::query_as(concat!(
            "SELECT ",
            group_columns!(),
            " FROM groups g WHERE g.account_id = ? AND g.code = ?"
        ))
        .bind(account.0)
        .bind(code.as_str())
        .fetch_optional(&self.pool)
        .await
        .db()?;
        Ok(row.ok_or(StoreError::NotFound("group"))?.into())
    }

    async fn update_group(
        &self,
        account: AccountId,
        id: GroupId,
        draft: GroupDraft,
    ) -> StoreResult<Group> {
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE groups SET name = ?, code = ? WHERE account_id = ? AND id = ? RETURNING id",
        )
        .bind(&draft.name)
        .bind(draft.code.as_str())
        .bind(account.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(|err| code_conflict(err, &draft.code))?;
        let id = id.ok_or(StoreError::NotFound("group"))?;
        self.group(account, GroupId(id)).await
    }

    async fn delete_group(&self, account: AccountId, id: GroupId) -> StoreResult<()> {
        // Memberships go with the group (ON DELETE CASCADE); contacts stay.
        let done = sqlx::query("DELETE FROM groups WHERE account_id = ? AND id = ?")
            .bind(account.0)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .db()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("group"));
        }
        Ok(())
    }

    async fn list_groups(
        &self,
        account: AccountId,
        after: Option<GroupId>,
        limit: u32,
    ) -> StoreResult<Page<Group>> {
        let limit = limit.max(1) as usize;
        let mut rows: Vec<GroupRow> = sqlx::query_as(concat!(
            "SELECT ",
            group_columns!(),
            " FROM groups g WHERE g.account_id = ? AND g.id > ? ORDER BY g.id LIMIT ?"
        ))
        .bind(account.0)
        .bind(after.map_or(0, |id| id.0))
        .bind(limit as i64 + 1)
        .fetch_all(&self.pool)
        .await
        .db()?;
        let next_after = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|row| row.id())
        } else {
            None
        };
        Ok(Page {
            items: rows.into_iter().map(Group::from).collect(),
            next_after,
        })
    }

    async fn add_members(
        &self,
        account: AccountId,
        group: GroupId,
        contacts: &[ContactId],
    ) -> StoreResult<MembershipChange> {
        let mut tx = crate::write::begin(self).await?;
        let unknown_contacts = checked(&mut tx, account, group, contacts).await?;
        let done = sqlx::query(
            "INSERT INTO group_members (group_id, contact_id, account_id, created_at) \
             SELECT ?1, c.id, ?2, ?3 FROM contacts c \
             WHERE c.account_id = ?2 AND c.id IN (SELECT value FROM json_each(?4)) \
             ON CONFLICT DO NOTHING",
        )
        .bind(group.0)
        .bind(account.0)
        .bind(time::text(time::now()))
        .bind(id_array(contacts.iter().map(|c| c.0)))
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(MembershipChange {
            changed: done.rows_affected(),
            unknown_contacts,
        })
    }

    async fn remove_members(
        &self,
        account: AccountId,
        group: GroupId,
        contacts: &[ContactId],
    ) -> StoreResult<MembershipChange> {
        let mut tx = crate::write::begin(self).await?;
        let unknown_contacts = checked(&mut tx, account, group, contacts).await?;
        let done = sqlx::query(
            "DELETE FROM group_members WHERE group_id = ? AND account_id = ? \
             AND contact_id IN (SELECT value FROM json_each(?))",
        )
        .bind(group.0)
        .bind(account.0)
        .bind(id_array(contacts.iter().map(|c| c.0)))
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(MembershipChange {
            changed: done.rows_affected(),
            unknown_contacts,
        })
    }
}

/// Checks that the group is the account's (`NotFound` otherwise) and returns the requested
/// ids that are no contact of the account, each once, in the order asked.
async fn checked(
    conn: &mut SqliteConnection,
    account: AccountId,
    group: GroupId,
    contacts: &[ContactId],
) -> StoreResult<Vec<ContactId>> {
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM groups WHERE account_id = ? AND id = ?")
            .bind(account.0)
            .bind(group.0)
            .fetch_optional(&mut *conn)
            .await
            .db()?;
    if exists.is_none() {
        return Err(StoreError::NotFound("group"));
    }
    let known: HashSet<i64> = sqlx::query_scalar(
        "SELECT id FROM contacts WHERE account_id = ? AND id IN (SELECT value FROM json_each(?))",
    )
    .bind(account.0)
    .bind(id_array(contacts.iter().map(|c| c.0)))
    .fetch_all(&mut *conn)
    .await
    .db()?
    .into_iter()
    .collect();
    let mut seen = HashSet::new();
    Ok(contacts
        .iter()
        .filter(|c| !known.contains(&c.0) && seen.insert(c.0))
        .copied()
        .collect())
}
