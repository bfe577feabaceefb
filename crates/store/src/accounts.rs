use bote_domain::{AccountId, AccountKind, PhoneNumber, TokenId, TokenScope, UserId, UserRole};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};

use crate::StoreResult;

/// A tenant: every contact, group, token and message belongs to exactly one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub kind: AccountKind,
    /// End of the trial for test accounts (R5); `None` for business accounts.
    pub trial_ends_at: Option<DateTime<Utc>>,
    /// The only number a test account may send to (R5).
    pub verified_number: Option<PhoneNumber>,
    /// The account's own time zone (its IANA name in JSON); `None`: the server's default.
    #[serde(serialize_with = "zone_name")]
    pub time_zone: Option<Tz>,
    pub created_at: DateTime<Utc>,
}

fn zone_name<S: Serializer>(zone: &Option<Tz>, s: S) -> Result<S::Ok, S::Error> {
    zone.map(|z| z.name()).serialize(s)
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub name: String,
    pub kind: AccountKind,
    pub trial_ends_at: Option<DateTime<Utc>>,
    pub verified_number: Option<PhoneNumber>,
    pub time_zone: Option<Tz>,
}

/// A person who logs in. Owners and members have an account; account managers have none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: UserId,
    pub account_id: Option<AccountId>,
    pub username: String,
    pub role: UserRole,
    /// Where the user is written to, as the server checked it; `None`: nowhere of its own.
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A user with the argon2 PHC string of their password, for logging in.
#[derive(Clone)]
pub struct UserCredentials {
    pub user: User,
    pub password_hash: String,
}

impl std::fmt::Debug for UserCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserCredentials")
            .field("user", &self.user)
            .field("password_hash", &"<redacted>")
            .finish()
    }
}

#[derive(Clone)]
pub struct NewUser {
    /// `None` exactly when `role` is [`UserRole::AccountManager`].
    pub account_id: Option<AccountId>,
    pub username: String,
    pub role: UserRole,
    pub password_hash: String,
    /// An address the server checked, or `None`.
    pub email: Option<String>,
}

/// An API token as stored: only its SHA-256 hash and a short prefix to recognise it by.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiToken {
    pub id: TokenId,
    pub account_id: AccountId,
    pub name: String,
    pub scope: TokenScope,
    /// The first characters of the token, shown in lists so users can tell tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewToken {
    pub account_id: AccountId,
    pub name: String,
    pub scope: TokenScope,
    pub prefix: String,
    /// Lower-case hex SHA-256 of the whole token.
    pub hash: String,
}

#[async_trait::async_trait]
pub trait AccountStore {
    /// Fails with `Conflict { what: "account name" }` when the name is taken.
    async fn create_account(&self, new: NewAccount) -> StoreResult<Account>;
    async fn account(&self, id: AccountId) -> StoreResult<Account>;
    async fn account_by_name(&self, name: &str) -> StoreResult<Account>;
    /// All accounts, ordered by id.
    async fn list_accounts(&self) -> StoreResult<Vec<Account>>;
    /// Sets the account's time zone; `None` returns it to the server's default.
    async fn set_account_time_zone(&self, id: AccountId, zone: Option<Tz>) -> StoreResult<Account>;

    /// Fails with `Conflict { what: "username" }` when the name is taken (names are global).
    async fn create_user(&self, new: NewUser) -> StoreResult<User>;
    /// Looks a user up by name for logging in; `NotFound` when there is none.
    async fn user_credentials(&self, username: &str) -> StoreResult<UserCredentials>;
    async fn set_password(&self, user: UserId, password_hash: &str) -> StoreResult<()>;
    async fn list_users(&self, account: AccountId) -> StoreResult<Vec<User>>;
    /// Sets the user's email address (checked by the caller); `None` removes it.
    async fn set_user_email(&self, user: UserId, email: Option<&str>) -> StoreResult<User>;

    async fn create_token(&self, new: NewToken) -> StoreResult<ApiToken>;
    /// The unrevoked token with this hash; `NotFound` when none (or revoked).
    async fn active_token_by_hash(&self, hash: &str) -> StoreResult<ApiToken>;
    /// Any token, revoked or not, with this hash.
    async fn token_by_hash(&self, hash: &str) -> StoreResult<ApiToken>;
    async fn list_tokens(&self, account: AccountId) -> StoreResult<Vec<ApiToken>>;
    /// Revokes a token of this account; revoking twice is fine and keeps the first
    /// `revoked_at`. `NotFound` for a token of another account or none.
    async fn revoke_token(&self, account: AccountId, id: TokenId) -> StoreResult<ApiToken>;
}
