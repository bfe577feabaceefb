//! Accounts, users and API tokens.

use bote_domain::{AccountId, TokenId, UserId};
use bote_store::{
    Account, AccountStore, ApiToken, NewAccount, NewToken, NewUser, StoreError, StoreResult, User,
    UserCredentials,
};
use chrono_tz::Tz;
use sqlx::{FromRow, Row};

use crate::PostgresStore;
use crate::errors::{backend, write_error};
use crate::rows::{AccountRow, TokenRow, UserRow, account_columns, token_columns, user_columns};

#[async_trait::async_trait]
impl AccountStore for PostgresStore {
    async fn create_account(&self, new: NewAccount) -> StoreResult<Account> {
        let row: AccountRow = sqlx::query_as(concat!(
            "INSERT INTO accounts (name, kind, trial_ends_at, verified_number, time_zone) ",
            "VALUES ($1, $2, $3, $4, $5) RETURNING ",
            account_columns!()
        ))
        .bind(&new.name)
        .bind(new.kind.as_str())
        .bind(new.trial_ends_at)
        .bind(new.verified_number.as_ref().map(|n| n.as_str()))
        .bind(new.time_zone.map(|z| z.name()))
        .fetch_one(&self.pool)
        .await
        .map_err(|err| write_error(err, |_| new.name.clone()))?;
        row.try_into()
    }

    async fn account(&self, id: AccountId) -> StoreResult<Account> {
        let row: Option<AccountRow> = sqlx::query_as(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.ok_or(StoreError::NotFound("account"))?.try_into()
    }

    async fn account_by_name(&self, name: &str) -> StoreResult<Account> {
        let row: Option<AccountRow> = sqlx::query_as(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts WHERE name = $1"
        ))
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
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
        .map_err(backend)?;
        rows.into_iter().map(Account::try_from).collect()
    }

    async fn set_account_time_zone(&self, id: AccountId, zone: Option<Tz>) -> StoreResult<Account> {
        let row: Option<AccountRow> = sqlx::query_as(concat!(
            "UPDATE accounts SET time_zone = $2 WHERE id = $1 RETURNING ",
            account_columns!()
        ))
        .bind(id.0)
        .bind(zone.map(|z| z.name()))
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.ok_or(StoreError::NotFound("account"))?.try_into()
    }

    async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        let row: UserRow = sqlx::query_as(concat!(
            "INSERT INTO users (account_id, username, role, password_hash, email) ",
            "VALUES ($1, $2, $3, $4, $5) RETURNING ",
            user_columns!()
        ))
        .bind(new.account_id.map(|a| a.0))
        .bind(&new.username)
        .bind(new.role.as_str())
        .bind(&new.password_hash)
        .bind(&new.email)
        .fetch_one(&self.pool)
        .await
        .map_err(|err| write_error(err, |_| new.username.clone()))?;
        row.try_into()
    }

    async fn user_credentials(&self, username: &str) -> StoreResult<UserCredentials> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            ", password_hash FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?
        .ok_or(StoreError::NotFound("user"))?;
        let password_hash: String = row.try_get("password_hash").map_err(backend)?;
        let user = UserRow::from_row(&row).map_err(backend)?.try_into()?;
        Ok(UserCredentials {
            user,
            password_hash,
        })
    }

    async fn set_password(&self, user: UserId, password_hash: &str) -> StoreResult<()> {
        let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user.0)
            .bind(password_hash)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    async fn list_users(&self, account: AccountId) -> StoreResult<Vec<User>> {
        let rows: Vec<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE account_id = $1 ORDER BY id"
        ))
        .bind(account.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.into_iter().map(User::try_from).collect()
    }

    async fn set_user_email(&self, user: UserId, email: Option<&str>) -> StoreResult<User> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "UPDATE users SET email = $2 WHERE id = $1 RETURNING ",
            user_columns!()
        ))
        .bind(user.0)
        .bind(email)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.ok_or(StoreError::NotFound("user"))?.try_into()
    }

    async fn create_token(&self, new: NewToken) -> StoreResult<ApiToken> {
        let row: TokenRow = sqlx::query_as(concat!(
            "INSERT INTO api_tokens (account_id, name, scope, prefix, hash) ",
            "VALUES ($1, $2, $3, $4, $5) RETURNING ",
            token_columns!()
        ))
        .bind(new.account_id.0)
        .bind(&new.name)
        .bind(new.scope.as_str())
        .bind(&new.prefix)
        .bind(&new.hash)
        .fetch_one(&self.pool)
        .await
        .map_err(|err| write_error(err, |_| new.prefix.clone()))?;
        row.try_into()
    }

    async fn active_token_by_hash(&self, hash: &str) -> StoreResult<ApiToken> {
        let row: Option<TokenRow> = sqlx::query_as(concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL"
        ))
        .bind(hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.ok_or(StoreError::NotFound("token"))?.try_into()
    }

    async fn token_by_hash(&self, hash: &str) -> StoreResult<ApiToken> {
        let row: Option<TokenRow> = sqlx::query_as(concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens WHERE hash = $1"
        ))
        .bind(hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.ok_or(StoreError::NotFound("token"))?.try_into()
    }

    async fn list_tokens(&self, account: AccountId) -> StoreResult<Vec<ApiToken>> {
        let rows: Vec<TokenRow> = sqlx::query_as(concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens WHERE account_id = $1 ORDER BY id"
        ))
        .bind(account.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.into_iter().map(ApiToken::try_from).collect()
    }

    async fn revoke_token(&self, account: AccountId, id: TokenId) -> StoreResult<ApiToken> {
        // A second revocation keeps the time of the first.
        let row: Option<TokenRow> = sqlx::query_as(concat!(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now()) ",
            "WHERE account_id = $1 AND id = $2 RETURNING ",
            token_columns!()
        ))
        .bind(account.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.ok_or(StoreError::NotFound("token"))?.try_into()
    }
}
