//! Groups and their memberships.

use std::collections::HashSet;

use bote_domain::{AccountId, ContactId, GroupCode, GroupId};
use bote_store::{Group, GroupDraft, GroupStore, MembershipChange, Page, StoreError, StoreResult};

use crate::PostgresStore;
use crate::errors::{backend, write_error};
use crate::rows::{GroupRow, paginate};

macro_rules! group_select {
    () => {
        "SELECT g.id, g.name, g.code, g.created_at, \
         (SELECT count(*) FROM group_members m WHERE m.group_id = g.id) AS member_count \
         FROM groups g "
    };
}

impl PostgresStore {
    async fn require_group(&self, account: AccountId, group: GroupId) -> StoreResult<()> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM groups WHERE account_id = $1 AND id = $2")
                .bind(account.0)
                .bind(group.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        found.map(drop).ok_or(StoreError::NotFound("group"))
    }
}

/// The requested ids that are not among `known`, each once, in the order asked.
fn unknown_contacts(requested: &[ContactId], known: &[i64]) -> Vec<ContactId> {
    let known: HashSet<i64> = known.iter().copied().collect();
    let mut seen = HashSet::new();
    requested
        .iter()
        .copied()
        .filter(|id| !known.contains(&id.0) && seen.insert(*id))
        .collect()
}

fn ids(contacts: &[ContactId]) -> Vec<i64> {
    contacts.iter().map(|c| c.0).collect()
}

#[async_trait::async_trait]
impl GroupStore for PostgresStore {
    async fn create_group(&self, account: AccountId, draft: GroupDraft) -> StoreResult<Group> {
        let row: GroupRow = sqlx::query_as(
            "INSERT INTO groups (account_id, name, code) VALUES ($1, $2, $3) \
             RETURNING id, name, code, created_at, 0::bigint AS member_count",
        )
        .bind(account.0)
        .bind(&draft.name)
        .bind(draft.code.as_str())
        .fetch_one(&self.pool)
        .await
        .map_err(|err| write_error(err, |_| draft.code.to_string()))?;
        Ok(row.into())
    }

    async fn group(&self, account: AccountId, id: GroupId) -> StoreResult<Group> {
        let row: Option<GroupRow> = sqlx::query_as(concat!(
            group_select!(),
            "WHERE g.account_id = $1 AND g.id = $2"
        ))
        .bind(account.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        Ok(row.ok_or(StoreError::NotFound("group"))?.into())
    }

    async fn group_by_code(&self, account: AccountId, code: &GroupCode) -> StoreResult<Group> {
        let row: Option<GroupRow> = sqlx::query_as(concat!(
            group_select!(),
            "WHERE g.account_id = $1 AND g.code = $2"
        ))
        .bind(account.0)
        .bind(code.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        Ok(row.ok_or(StoreError::NotFound("group"))?.into())
    }

    async fn update_group(
        &self,
        account: AccountId,
        id: GroupId,
        draft: GroupDraft,
    ) -> StoreResult<Group> {
        let row: Option<GroupRow> = sqlx::query_as(
            "UPDATE groups g SET name = $3, code = $4 WHERE g.account_id = $1 AND g.id = $2 \
             RETURNING g.id, g.name, g.code, g.created_at, \
             (SELECT count(*) FROM group_members m WHERE m.group_id = g.id) AS member_count",
        )
        .bind(account.0)
        .bind(id.0)
        .bind(&draft.name)
        .bind(draft.code.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(|err| write_error(err, |_| draft.code.to_string()))?;
        Ok(row.ok_or(StoreError::NotFound("group"))?.into())
    }

    async fn delete_group(&self, account: AccountId, id: GroupId) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM groups WHERE account_id = $1 AND id = $2")
            .bind(account.0)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
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
        let limit = limit.max(1);
        let rows: Vec<GroupRow> = sqlx::query_as(concat!(
            group_select!(),
            "WHERE g.account_id = $1 AND g.id > $2 ORDER BY g.id LIMIT $3"
        ))
        .bind(account.0)
        .bind(after.map_or(i64::MIN, |a| a.0))
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let groups: Vec<Group> = rows.into_iter().map(Group::from).collect();
        let (items, next_after) = paginate(groups, limit as usize, |g| g.id.0);
        Ok(Page { items, next_after })
    }

    async fn add_members(
        &self,
        account: AccountId,
        group: GroupId,
        contacts: &[ContactId],
    ) -> StoreResult<MembershipChange> {
        self.require_group(account, group).await?;
        let (known, changed): (Vec<i64>, i64) = sqlx::query_as(
            "WITH known AS (SELECT id FROM contacts WHERE account_id = $1 AND id = ANY($3)), \
             added AS (INSERT INTO group_members (group_id, contact_id, account_id) \
                       SELECT $2, id, $1 FROM known ON CONFLICT DO NOTHING RETURNING 1) \
             SELECT ARRAY(SELECT id FROM known), (SELECT count(*) FROM added)",
        )
        .bind(account.0)
        .bind(group.0)
        .bind(ids(contacts))
        .fetch_one(&self.pool)
        .await
        .map_err(|err| write_error(err, |_| String::new()))?;
        Ok(MembershipChange {
            changed: changed as u64,
            unknown_contacts: unknown_contacts(contacts, &known),
        })
    }

    async fn remove_members(
        &self,
        account: AccountId,
        group: GroupId,
        contacts: &[ContactId],
    ) -> StoreResult<MembershipChange> {
        self.require_group(account, group).await?;
        let (known, changed): (Vec<i64>, i64) = sqlx::query_as(
            "WITH known AS (SELECT id FROM contacts WHERE account_id = $1 AND id = ANY($3)), \
             removed AS (DELETE FROM group_members \
                         WHERE account_id = $1 AND group_id = $2 AND contact_id = ANY($3) \
                         RETURNING 1) \
             SELECT ARRAY(SELECT id FROM known), (SELECT count(*) FROM removed)",
        )
        .bind(account.0)
        .bind(group.0)
        .bind(ids(contacts))
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?;
        Ok(MembershipChange {
            changed: changed as u64,
            unknown_contacts: unknown_contacts(contacts, &known),
        })
    }
}
