//! Accounts, users and API tokens.

use bote_domain::{AccountId, TokenId, UserId};
use bote_store::{
    Account, AccountStore, ApiToken, NewAccount, NewToken, NewUser, StoreError, StoreResult, User,
    UserCredentials,
};
use chrono_tz::Tz;

use crate::errors::{DbResultExt, UniqueKey, conflict, is_foreign_key_violation};
use crate::rows::{
    AccountRow, CredentialsRow, TokenRow, UserRow, account_columns, token_columns, user_columns,
};
use crate::{SqliteStore, time};

/// `Unknown { what: "account" }` for a row naming a missing account, `Conflict` for `keys`.
fn write_error(err: sqlx::Error, account: Option<AccountId>, keys: &[UniqueKey<'_>]) -> StoreError {
    match account {
        Some(account) if is_foreign_key_violation(&err) => StoreError::Unknown {
            what: "account",
            value: account.to_string(),
        },
        _ => conflict(err, keys),
    }
}

#[async_trait::async_trait]
impl AccountStore for SqliteStore {
    async fn create_account(&self, new: NewAccount) -> StoreResult<Account> {
        let row: AccountRow = sqlx::query_as(concat!(
            "INSERT INTO accounts (name, kind, trial_ends_at, verified_number, time_zone, \
             created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING ",
            account_columns!()
        ))
        .bind(&new.name)
        .bind(new.kind.as_str())
        .bind(new.trial_ends_at.map(time::text))
        .bind(new.verified_number.as_ref().map(|n| n.as_str().to_owned()))
        .bind(new.time_zone.map(|z| z.name()))
        .bind(time::text(time::now()))
        .fetch_one(&self.pool)
        .await
        .map_err(|err| {
            let key = UniqueKey {
                column: "accounts.name",
                what: "account name",
                value: &new.name,
            };
            conflict(err, &[key])
        })?;
        row.try_into()
    }

    async fn account(&self, id: AccountId) -> StoreResult<Account> {
        let row: Option<AccountRow> = sqlx::query_as(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.ok_or(StoreError::NotFound("account"))?.try_into()
    }

    async fn account_by_name(&self, name: &str) -> StoreResult<Account> {
        let row: Option<AccountRow> = sqlx::query_as(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts WHERE name = ?"
        ))
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.ok_or(StoreError::NotFound("account"))?.try_into()
    }

    async fn list_accounts(&self) -> StoreResult<Vec<Account>> {
        let rows: Vec<AccountRow> = sqlx::query_as(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.into_iter().map(Account::try_from).collect()
    }

    async fn set_account_time_zone(&self, id: AccountId, zone: Option<Tz>) -> StoreResult<Account> {
        let row: Option<AccountRow> = sqlx::query_as(concat!(
            "UPDATE accounts SET time_zone = ? WHERE id = ? RETURNING ",
            account_columns!()
        ))
        .bind(zone.map(|z| z.name()))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.ok_or(StoreError::NotFound("account"))?.try_into()
    }

    async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        let row: UserRow = sqlx::query_as(concat!(
            "INSERT INTO users (account_id, username, role, password_hash, email, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING ",
            user_columns!()
        ))
        .bind(new.account_id.map(|a| a.0))
        .bind(&new.username)
        .bind(new.role.as_str())
        .bind(&new.password_hash)
        .bind(&new.email)
        .bind(time::text(time::now()))
        .fetch_one(&self.pool)
        .await
        .map_err(|err| {
            let key = UniqueKey {
                column: "users.username",
                what: "username",
                value: &new.username,
            };
            write_error(err, new.account_id, &[key])
        })?;
        row.try_into()
    }

    async fn user_credentials(&self, username: &str) -> StoreResult<UserCredentials> {
        let row: Option<CredentialsRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            ", password_hash FROM users WHERE username = ?"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.ok_or(StoreError::NotFound("user"))?.try_into()
    }

    async fn set_password(&self, user: UserId, password_hash: &str) -> StoreResult<()> {
        let done = sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(password_hash)
            .bind(user.0)
            .execute(&self.pool)
            .await
            .db()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    async fn list_users(&self, account: AccountId) -> StoreResult<Vec<User>> {
        let rows: Vec<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE account_id = ? ORDER BY id"
        ))
        .bind(account.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.into_iter().map(User::try_from).collect()
    }

    async fn set_user_email(&self, user: UserId, email: Option<&str>) -> StoreResult<User> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "UPDATE users SET email = ? WHERE id = ? RETURNING ",
            user_columns!()
        ))
        .bind(email)
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.ok_or(StoreError::NotFound("user"))?.try_into()
    }

    async fn create_token(&self, new: NewToken) -> StoreResult<ApiToken> {
        let row: TokenRow = sqlx::query_as(concat!(
            "INSERT INTO api_tokens (account_id, name, scope, prefix, hash, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING ",
            token_columns!()
        ))
        .bind(new.account_id.0)
        .bind(&new.name)
        .bind(new.scope.as_str())
        .bind(&new.prefix)
        .bind(&new.hash)
        .bind(time::text(time::now()))
        .fetch_one(&self.pool)
        .await
        .map_err(|err| {
            let key = UniqueKey {
                column: "api_tokens.hash",
                what: "token",
                value: &new.prefix,
            };
            write_error(err, Some(new.account_id), &[key])
        })?;
        row.try_into()
    }

    async fn active_token_by_hash(&self, hash: &str) -> StoreResult<ApiToken> {
        let row: Option<TokenRow> = sqlx::query_as(concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens WHERE hash = ? AND revoked_at IS NULL"
        ))
        .bind(hash)
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.ok_or(StoreError::NotFound("token"))?.try_into()
    }

    async fn token_by_hash(&self, hash: &str) -> StoreResult<ApiToken> {
        let row: Option<TokenRow> = sqlx::query_as(concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens WHERE hash = ?"
        ))
        .bind(hash)
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.ok_or(StoreError::NotFound("token"))?.try_into()
    }

    async fn list_tokens(&self, account: AccountId) -> StoreResult<Vec<ApiToken>> {
        let rows: Vec<TokenRow> = sqlx::query_as(concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens WHERE account_id = ? ORDER BY id"
        ))
        .bind(account.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.into_iter().map(ApiToken::try_from).collect()
    }

    async fn revoke_token(&self, account: AccountId, id: TokenId) -> StoreResult<ApiToken> {
        // Revoking twice keeps the first revocation's time.
        let row: Option<TokenRow> = sqlx::query_as(concat!(
            "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) \
             WHERE account_id = ? AND id = ? RETURNING ",
            token_columns!()
        ))
        .bind(time::text(time::now()))
        .bind(account.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.ok_or(StoreError::NotFound("token"))?.try_into()
    }
}
