//! Rows as SQLite returns them, and their conversion into the store's types.

use std::collections::BTreeMap;
use std::str::FromStr;

use bote_domain::{
    AccountId, ChannelKind, ContactId, GroupCode, GroupId, PhoneNumber, TokenId, UserId,
};
use bote_store::{
    Account, ApiToken, Contact, Group, StoreError, StoreResult, User, UserCredentials,
};
use chrono::{DateTime, Utc};

/// The columns of [`AccountRow`], for `SELECT` and `RETURNING`.
macro_rules! account_columns {
    () => {
        "id, name, kind, trial_ends_at, verified_number, time_zone, created_at"
    };
}

/// The columns of [`UserRow`].
macro_rules! user_columns {
    () => {
        "id, account_id, username, role, email, created_at"
    };
}

/// The columns of [`TokenRow`].
macro_rules! token_columns {
    () => {
        "id, account_id, name, scope, prefix, created_at, revoked_at"
    };
}

/// The columns of [`ContactRow`].
macro_rules! contact_columns {
    () => {
        "id, first_name, last_name, sms_number, whatsapp_number, fields, created_at, updated_at"
    };
}

/// The columns of [`GroupRow`] for a query on `groups g`, member count included.
macro_rules! group_columns {
    () => {
        "g.id, g.name, g.code, g.created_at, \
         (SELECT count(*) FROM group_members gm WHERE gm.group_id = g.id) AS member_count"
    };
}

pub(crate) use {account_columns, contact_columns, group_columns, token_columns, user_columns};

/// A value in the database that the code cannot read back: a bug or a hand-edited row.
pub(crate) fn corrupt(what: &str, value: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(anyhow::anyhow!("stored {what} '{value}' is invalid: {err}"))
}

pub(crate) fn parse<T: FromStr>(what: &str, value: &str) -> StoreResult<T>
where
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|err| corrupt(what, value, err))
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
            kind: parse("account kind", &row.kind)?,
            name: row.name,
            trial_ends_at: row.trial_ends_at,
            verified_number: row.verified_number.map(PhoneNumber::from_e164_unchecked),
            time_zone: row
                .time_zone
                .map(|z| parse("account time zone", &z))
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
            role: parse("user role", &row.role)?,
            username: row.username,
            email: row.email,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CredentialsRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

impl TryFrom<CredentialsRow> for UserCredentials {
    type Error = StoreError;

    fn try_from(row: CredentialsRow) -> StoreResult<UserCredentials> {
        Ok(UserCredentials {
            user: row.user.try_into()?,
            password_hash: row.password_hash,
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
            scope: parse("token scope", &row.scope)?,
            name: row.name,
            prefix: row.prefix,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ContactRow {
    pub id: i64,
    first_name: Option<String>,
    last_name: Option<String>,
    sms_number: Option<String>,
    whatsapp_number: Option<String>,
    fields: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl ContactRow {
    /// The contact, with the codes of its groups (sorted here).
    pub fn into_contact(self, mut groups: Vec<GroupCode>) -> StoreResult<Contact> {
        groups.sort();
        Ok(Contact {
            id: ContactId(self.id),
            fields: parse_fields(&self.fields)?,
            first_name: self.first_name,
            last_name: self.last_name,
            sms_number: self.sms_number.map(PhoneNumber::from_e164_unchecked),
            whatsapp_number: self.whatsapp_number.map(PhoneNumber::from_e164_unchecked),
            groups,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The contacts' column that holds a number on `channel`.
pub(crate) fn number_column(channel: ChannelKind) -> &'static str {
    match channel {
        ChannelKind::Sms => "sms_number",
        ChannelKind::Whatsapp => "whatsapp_number",
    }
}

/// SQLite's limit on the parameters of one statement.
pub(crate) const MAX_PARAMETERS: usize = 32_766;

/// The rows of a multi-row `VALUES`, `rows` of `columns` positional parameters each:
/// `(?, ?), (?, ?)`. Positional only: sqlx finds the argument of a numbered parameter
/// (`?NNN`) by asking SQLite for each parameter's name, which SQLite looks up in a list, so
/// numbered parameters cost time quadratic in their count (a 500-row insert spent more
/// time binding than inserting).
pub(crate) fn positional_rows(rows: usize, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    let mut sql = String::with_capacity(rows * (row.len() + 2));
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&row);
    }
    sql
}

/// The id of the first of `count` rows an `INSERT` just added to a table with ascending
/// ids, the others following it: the transaction is the only writer, so the rows took
/// consecutive ids in the order inserted, and none needs to come back as a row (sqlx hands
/// each from its SQLite thread to the task while the writer is held). An error naming
/// `what` when the insert added another number of rows.
pub(crate) fn first_inserted_id(
    done: &sqlx::sqlite::SqliteQueryResult,
    count: usize,
    what: &str,
) -> StoreResult<i64> {
    if done.rows_affected() != count as u64 {
        return Err(StoreError::Backend(anyhow::anyhow!(
            "stored {} of {count} {what}",
            done.rows_affected()
        )));
    }
    Ok(done.last_insert_rowid() - count as i64 + 1)
}

/// Rows a statement handed back as one JSON value (`json_group_array`), so that sqlx's
/// SQLite thread passes one row to the task instead of one per row.
pub(crate) fn json_rows<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> StoreResult<T> {
    serde_json::from_str(json)
        .map_err(|err| StoreError::Backend(anyhow::anyhow!("{what} read back as JSON: {err}")))
}

/// Custom fields as stored: a JSON object of strings.
pub(crate) fn parse_fields(json: &str) -> StoreResult<BTreeMap<String, String>> {
    serde_json::from_str(json).map_err(|err| corrupt("contact fields", json, err))
}

pub(crate) fn fields_json(fields: &BTreeMap<String, String>) -> String {
    serde_json::to_string(fields).expect("a map of strings always serialises")
}

#[derive(sqlx::FromRow)]
pub(crate) struct GroupRow {
    id: i64,
    name: String,
    code: String,
    member_count: i64,
    created_at: DateTime<Utc>,
}

impl GroupRow {
    pub fn id(&self) -> i64 {
        self.id
    }
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

/// A JSON array of ids, bound as one parameter and read with `json_each`: no limit on
/// bound variables, and one cached statement whatever the count.
pub(crate) fn id_array(ids: impl IntoIterator<Item = i64>) -> String {
    serde_json::to_string(&ids.into_iter().collect::<Vec<_>>()).expect("integers always serialise")
}

/// A JSON array of strings, for `json_each` like [`id_array`].
pub(crate) fn text_array<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    serde_json::to_string(&values.into_iter().collect::<Vec<_>>())
        .expect("strings always serialise")
}
