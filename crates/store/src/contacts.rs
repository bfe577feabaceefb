use std::collections::BTreeMap;

use bote_domain::{AccountId, ContactId, GroupCode, PhoneNumber};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::StoreResult;

/// A phone-book entry (R15): an SMS number, a WhatsApp number or both, in any groups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contact {
    pub id: ContactId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub sms_number: Option<PhoneNumber>,
    pub whatsapp_number: Option<PhoneNumber>,
    /// Custom fields, usable as placeholders in SMS (R20).
    pub fields: BTreeMap<String, String>,
    /// Codes of the groups the contact is in, sorted.
    pub groups: Vec<GroupCode>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The full writable state of a contact. The API checks that at least one number is set
/// before building one; stores rely on it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactDraft {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub sms_number: Option<PhoneNumber>,
    pub whatsapp_number: Option<PhoneNumber>,
    pub fields: BTreeMap<String, String>,
    /// `Some` replaces the contact's memberships with these groups, which must exist
    /// (`Unknown { what: "group" }` otherwise); `None` leaves memberships as they are.
    pub groups: Option<Vec<GroupCode>>,
}

/// How `?search=` matches.
#[derive(Debug, Clone, PartialEq)]
pub enum ContactSearch {
    /// The text parsed as a whole number: exact match on either number.
    Number(PhoneNumber),
    /// Case-insensitive substring of first name, last name or either number.
    Text(String),
}

/// One page of a contact listing, ordered by id.
#[derive(Debug, Clone, Default)]
pub struct ContactQuery {
    pub search: Option<ContactSearch>,
    /// Only members of the account's group with this code; a code that names no group of
    /// the account gives an empty page, not an error.
    pub group: Option<GroupCode>,
    /// Only contacts with an id greater than this (keyset pagination).
    pub after: Option<ContactId>,
    /// At most this many contacts; 0 is taken as 1.
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; `None` on the last page.
    pub next_after: Option<i64>,
}

#[async_trait::async_trait]
pub trait ContactStore {
    /// Fails with `Conflict { what: "sms_number" | "whatsapp_number" }` when another contact
    /// of the account has the number, and `Unknown { what: "group" }` for a missing group.
    async fn create_contact(&self, account: AccountId, draft: ContactDraft)
    -> StoreResult<Contact>;
    async fn contact(&self, account: AccountId, id: ContactId) -> StoreResult<Contact>;
    /// Replaces the contact's state with `draft`; same errors as `create_contact`.
    async fn update_contact(
        &self,
        account: AccountId,
        id: ContactId,
        draft: ContactDraft,
    ) -> StoreResult<Contact>;
    /// Deletes the contact and its memberships. Opt-ins are not contacts' rows and stay (R14).
    async fn delete_contact(&self, account: AccountId, id: ContactId) -> StoreResult<()>;
    async fn list_contacts(
        &self,
        account: AccountId,
        query: ContactQuery,
    ) -> StoreResult<Page<Contact>>;
    /// Upserts one batch of imported rows in one transaction; see [`crate::ImportRow`].
    async fn import_contacts(
        &self,
        account: AccountId,
        rows: &[crate::ImportRow],
    ) -> StoreResult<crate::ImportOutcome>;
}
