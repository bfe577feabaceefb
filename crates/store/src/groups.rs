use bote_domain::{AccountId, ContactId, GroupCode, GroupId};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Page, StoreResult};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub id: GroupId,
    pub name: String,
    pub code: GroupCode,
    pub member_count: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupDraft {
    pub name: String,
    pub code: GroupCode,
}

/// The result of a bulk membership change.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MembershipChange {
    /// Memberships added or removed; contacts already (or never) in the group don't count.
    pub changed: u64,
    /// Requested ids that are no contact of this account; nothing was done for them.
    pub unknown_contacts: Vec<ContactId>,
}

#[async_trait::async_trait]
pub trait GroupStore {
    /// Fails with `Conflict { what: "group code" }` when the code (case-insensitive) is taken.
    async fn create_group(&self, account: AccountId, draft: GroupDraft) -> StoreResult<Group>;
    async fn group(&self, account: AccountId, id: GroupId) -> StoreResult<Group>;
    async fn group_by_code(&self, account: AccountId, code: &GroupCode) -> StoreResult<Group>;
    async fn update_group(
        &self,
        account: AccountId,
        id: GroupId,
        draft: GroupDraft,
    ) -> StoreResult<Group>;
    /// Deletes the group and its memberships, never the contacts.
    async fn delete_group(&self, account: AccountId, id: GroupId) -> StoreResult<()>;
    /// Groups ordered by id, with member counts.
    async fn list_groups(
        &self,
        account: AccountId,
        after: Option<GroupId>,
        limit: u32,
    ) -> StoreResult<Page<Group>>;
    async fn add_members(
        &self,
        account: AccountId,
        group: GroupId,
        contacts: &[ContactId],
    ) -> StoreResult<MembershipChange>;
    async fn remove_members(
        &self,
        account: AccountId,
        group: GroupId,
        contacts: &[ContactId],
    ) -> StoreResult<MembershipChange>;
}
