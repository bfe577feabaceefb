//! Rows as they come back from PostgreSQL, and their conversion to the store's types.
//!
//! Column lists are macros so queries stay `&'static str` built with `concat!`.

use std::collections::BTreeMap;
use std::str::FromStr;

use anyhow::anyhow;
use bote_domain::{AccountId, ContactId, GroupCode, GroupId, PhoneNumber, TokenId, UserId};
use bote_store::{Account, ApiToken, Contact, Group, StoreError, StoreResult, User};
use chrono::{DateTime, Utc};
use sqlx::types::Json;

macro_rules! account_columns {
    () => {
        "id, name, kind, trial_ends_at, verified_number, time_zone, created_at"
    };
}
macro_rules! user_columns {
    () => {
        "id, account_id, username, role, email, created_at"
    };
}
macro_rules! token_columns {
    () => {
        "id, account_id, name, scope, prefix, created_at, revoked_at"
    };
}
macro_rules! contact_columns {
    () => {
        "id, first_name, last_name, sms_number, whatsapp_number, fields, created_at, updated_at"
    };
}
pub(crate) use {account_columns, contact_columns, token_columns, user_columns};

/// Parses a closed-set value (kind, role, scope) the database holds.
fn stored<T>(column: &str, value: &str) -> StoreResult<T>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|err| StoreError::Backend(anyhow!("invalid {column} in the database: {err}")))
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    id: i64,
    name: String,
    kind: String,
    trial_ends_at: Option<DateTime<Utc>>,
    verified_number: Option<String>,
    time_zone: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;

    fn try_from(row: AccountRow) -> StoreResult<Account> {
        Ok(Account {
            id: AccountId(row.id),
            name: row.name,
            kind: stored("accounts.kind", &row.kind)?,
            trial_ends_at: row.trial_ends_at,
            verified_number: row.verified_number.map(PhoneNumber::from_e164_unchecked),
            time_zone: row
                .time_zone
                .map(|z| stored("accounts.time_zone", &z))
                .transpose()?,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    account_id: Option<i64>,
    username: String,
    role: String,
    email: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(row: UserRow) -> StoreResult<User> {
        Ok(User {
            id: UserId(row.id),
            account_id: row.account_id.map(AccountId),
            username: row.username,
            role: stored("users.role", &row.role)?,
            email: row.email,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    id: i64,
    account_id: i64,
    name: String,
    scope: String,
    prefix: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl TryFrom<TokenRow> for ApiToken {
    type Error = StoreError;

    fn try_from(row: TokenRow) -> StoreResult<ApiToken> {
        Ok(ApiToken {
            id: TokenId(row.id),
            account_id: AccountId(row.account_id),
            name: row.name,
            scope: stored("api_tokens.scope", &row.scope)?,
            prefix: row.prefix,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ContactRow {
    pub(crate) id: i64,
    first_name: Option<String>,
    last_name: Option<String>,
    sms_number: Option<String>,
    whatsapp_number: Option<String>,
    fields: Json<BTreeMap<String, String>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl ContactRow {
    /// The contact, in the groups with these codes (sorted here).
    pub(crate) fn into_contact(self, mut groups: Vec<GroupCode>) -> Contact {
        groups.sort();
        groups.dedup();
        Contact {
            id: ContactId(self.id),
            first_name: self.first_name,
            last_name: self.last_name,
            sms_number: self.sms_number.map(PhoneNumber::from_e164_unchecked),
            whatsapp_number: self.whatsapp_number.map(PhoneNumber::from_e164_unchecked),
            fields: self.fields.0,
            groups,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct GroupRow {
    id: i64,
    name: String,
    code: String,
    member_count: i64,
    created_at: DateTime<Utc>,
}

impl From<GroupRow> for Group {
    fn from(row: GroupRow) -> Group {
        Group {
            id: GroupId(row.id),
            name: row.name,
            code: GroupCode::from_stored(row.code),
            member_count: row.member_count,
            created_at: row.created_at,
        }
    }
}

/// The page's `next_after`: with one row more than `limit` fetched, drops it and points past
/// the last row kept.
pub(crate) fn paginate<T>(
    mut rows: Vec<T>,
    limit: usize,
    id: impl Fn(&T) -> i64,
) -> (Vec<T>, Option<i64>) {
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(&id);
        (rows, next)
    } else {
        (rows, None)
    }
}
