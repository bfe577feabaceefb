//! Creating accounts, users and tokens: the rules shared by the CLI, the admin API and
//! the first-start bootstrap; an account's time zone (`zone`) and a user's email address
//! (`email`).

mod email;
mod zone;

use bote_domain::{AccountId, AccountKind, PhoneNumber, TRIAL_DAYS, TokenScope, UserRole};
use bote_store::{Account, ApiToken, NewAccount, NewToken, NewUser, Store, StoreError, User};
use chrono::{Duration, Utc};
use chrono_tz::Tz;

pub use email::{MAX_EMAIL_CHARS, checked_email, set_email};
pub use zone::{account_zone, zone_of};

use crate::auth::{hash_password, new_token};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("account name must be 1 to 64 characters without control characters, got '{0}'")]
    InvalidName(String),
    #[error("a test account needs the verified mobile number it may send to (R5)")]
    VerifiedNumberRequired,
    #[error("username must be 1 to 128 characters without spaces, got '{0}'")]
    InvalidUsername(String),
    #[error("password must be at least 8 characters")]
    WeakPassword,
    #[error(
        "email: '{0}' is not an email address like anna@example.com (at most {MAX_EMAIL_CHARS} characters)"
    )]
    InvalidEmail(String),
    #[error("an account manager belongs to no account; an owner or member needs one")]
    RoleAccountMismatch,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub fn valid_account_name(raw: &str) -> Result<String, AccountError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(AccountError::InvalidName(raw.to_owned()));
    }
    Ok(name.to_owned())
}

/// Creates an account. Test accounts last [`TRIAL_DAYS`] and need a verified number (R5);
/// without a `time_zone` the account is in the server's `default_time_zone`.
pub async fn create_account(
    store: &dyn Store,
    name: &str,
    kind: AccountKind,
    verified_number: Option<PhoneNumber>,
    time_zone: Option<Tz>,
) -> Result<Account, AccountError> {
    let name = valid_account_name(name)?;
    let trial_ends_at = match kind {
        AccountKind::Test => {
            if verified_number.is_none() {
                return Err(AccountError::VerifiedNumberRequired);
            }
            Some(Utc::now() + Duration::days(TRIAL_DAYS))
        }
        AccountKind::Business => None,
    };
    Ok(store
        .create_account(NewAccount {
            name,
            kind,
            trial_ends_at,
            verified_number,
            time_zone,
        })
        .await?)
}

/// Adds a user with an optional email address of its own ([`checked_email`]).
pub async fn add_user(
    store: &dyn Store,
    account: Option<AccountId>,
    username: &str,
    password: String,
    role: UserRole,
    email: Option<&str>,
) -> Result<User, AccountError> {
    let username = username.trim();
    if username.is_empty() || username.len() > 128 || username.contains(char::is_whitespace) {
        return Err(AccountError::InvalidUsername(username.to_owned()));
    }
    if password.chars().count() < 8 {
        return Err(AccountError::WeakPassword);
    }
    if account.is_some() == (role == UserRole::AccountManager) {
        return Err(AccountError::RoleAccountMismatch);
    }
    let email = checked_email(email)?;
    let password_hash = hash_password(password).await?;
    Ok(store
        .create_user(NewUser {
            account_id: account,
            username: username.to_owned(),
            role,
            password_hash,
            email,
        })
        .await?)
}

/// Creates a token and returns it with the secret, which is shown once and never stored.
pub async fn create_token(
    store: &dyn Store,
    account: AccountId,
    name: &str,
    scope: TokenScope,
) -> Result<(ApiToken, String), AccountError> {
    let secret = new_token();
    let token = store
        .create_token(NewToken {
            account_id: account,
            name: name.trim().to_owned(),
            scope,
            prefix: secret.prefix,
            hash: secret.hash,
        })
        .await?;
    Ok((token, secret.token))
}
