//! Turning credentials into a principal: an account's user or token, or an account manager.

use bote_domain::{AccountId, TokenId, TokenScope, UserId, UserRole};
use bote_store::StoreError;

use super::credentials::Credentials;
use super::token::{hash_token, looks_like_token};
use crate::app::AppState;

/// How the principal proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    User { id: UserId, role: UserRole },
    Token(TokenId),
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// `None` for account managers, who belong to no account.
    pub account: Option<AccountId>,
    pub scope: TokenScope,
    pub via: Via,
}

impl Principal {
    pub fn is_account_manager(&self) -> bool {
        matches!(
            self.via,
            Via::User {
                role: UserRole::AccountManager,
                ..
            }
        )
    }
}

/// Checks credentials against the store. `Ok(None)` means they are wrong; `Err` means the
/// store failed.
pub async fn authenticate(
    state: &AppState,
    credentials: &Credentials,
) -> anyhow::Result<Option<Principal>> {
    match credentials {
        Credentials::Bearer(token) => by_token(state, token).await,
        Credentials::Basic { password, .. } if looks_like_token(password) => {
            by_token(state, password).await
        }
        Credentials::Basic { username, password } => by_password(state, username, password).await,
    }
}

async fn by_token(state: &AppState, token: &str) -> anyhow::Result<Option<Principal>> {
    match state.store.active_token_by_hash(&hash_token(token)).await {
        Ok(t) => Ok(Some(Principal {
            account: Some(t.account_id),
            scope: t.scope,
            via: Via::Token(t.id),
        })),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn by_password(
    state: &AppState,
    username: &str,
    password: &str,
) -> anyhow::Result<Option<Principal>> {
    let creds = match state.store.user_credentials(username).await {
        Ok(c) => c,
        Err(StoreError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if !state.passwords.verify(password, &creds.password_hash).await {
        return Ok(None);
    }
    Ok(Some(Principal {
        account: creds.user.account_id,
        scope: TokenScope::Full,
        via: Via::User {
            id: creds.user.id,
            role: creds.user.role,
        },
    }))
}

/// Why a request's credentials were not accepted.
#[derive(Debug)]
pub enum Denied {
    /// Missing or wrong credentials.
    Wrong,
    /// Held off by a limit (`ApiLimits`).
    Limited(super::limits::Limited),
    /// The store failed.
    Store(anyhow::Error),
}

/// Checks `credentials` from client `ip` under the API's limits: an address with too many
/// failures is refused unchecked, wrong credentials are counted, and a known account's request is
/// counted against its requests per second.
pub async fn admit(
    state: &AppState,
    credentials: Option<&Credentials>,
    ip: Option<std::net::IpAddr>,
) -> Result<Principal, Denied> {
    state.limits.before_auth(ip).map_err(Denied::Limited)?;
    let principal = match credentials {
        Some(c) => authenticate(state, c).await.map_err(Denied::Store)?,
        None => None,
    };
    let Some(principal) = principal else {
        // Missing credentials cost nothing to refuse; wrong ones count against the address.
        if let Some(c) = credentials {
            tracing::info!(credentials = ?c, ?ip, "rejected credentials");
            state.limits.failed(ip);
        }
        return Err(Denied::Wrong);
    };
    if let Some(account) = principal.account {
        state.limits.request(account).map_err(Denied::Limited)?;
    }
    Ok(principal)
}
