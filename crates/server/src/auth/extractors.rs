//! Extractors that put a handler's access in its signature: `Tenant<Read>`, `Tenant<Send>`,
//! `Tenant<Manage>` for account data, `AccountManager` for platform administration, `Reader`
//! for platform information any caller may read.

use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use bote_domain::{Access, AccountId};

use super::credentials::Credentials;
use super::principal::{Denied, Principal, admit};
use crate::api::ApiError;
use crate::app::AppState;

/// A level of access a handler needs.
pub trait Need: std::marker::Send + Sync + 'static {
    const ACCESS: Access;
}

/// Reading the account's data.
pub struct Read;
/// Sending messages.
pub struct Send;
/// Changing the account's data.
pub struct Manage;

impl Need for Read {
    const ACCESS: Access = Access::Read;
}
impl Need for Send {
    const ACCESS: Access = Access::Send;
}
impl Need for Manage {
    const ACCESS: Access = Access::Manage;
}

/// The account a request acts for, with at least the access `A`.
pub struct Tenant<A: Need> {
    pub account: AccountId,
    pub principal: Principal,
    _need: PhantomData<A>,
}

/// The client's address, where the server knows it (it serves with connect info).
pub struct ClientIp(pub Option<IpAddr>);

impl<S: std::marker::Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip()),
        ))
    }
}

async fn principal(parts: &mut Parts, state: &AppState) -> Result<Principal, ApiError> {
    let credentials = Credentials::from_headers(&parts.headers);
    let Ok(ClientIp(ip)) = ClientIp::from_request_parts(parts, state).await;
    admit(state, credentials.as_ref(), ip)
        .await
        .map_err(|denied| match denied {
            Denied::Wrong => ApiError::unauthorized(),
            Denied::Limited(limited) => ApiError::limited(limited),
            Denied::Store(e) => ApiError::internal(e),
        })
}

impl<A: Need> FromRequestParts<AppState> for Tenant<A> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = principal(parts, state).await?;
        let account = principal.account.ok_or_else(|| {
            ApiError::forbidden("account managers act on accounts through /api/v1/admin")
        })?;
        if !principal.scope.allows(A::ACCESS) {
            return Err(ApiError::forbidden(format!(
                "this token's scope '{}' does not allow this request",
                principal.scope
            )));
        }
        Ok(Tenant {
            account,
            principal,
            _need: PhantomData,
        })
    }
}

/// A platform operator who administers accounts.
pub struct AccountManager {
    pub principal: Principal,
}

impl FromRequestParts<AppState> for AccountManager {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = principal(parts, state).await?;
        if !principal.is_account_manager() {
            return Err(ApiError::forbidden("only account managers may do this"));
        }
        Ok(AccountManager { principal })
    }
}

/// Any authenticated caller allowed to read: an account's user or token of any scope, or
/// an account manager. For information that belongs to no account.
pub struct Reader {
    pub principal: Principal,
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = principal(parts, state).await?;
        if !principal.is_account_manager() && !principal.scope.allows(Access::Read) {
            return Err(ApiError::forbidden(format!(
                "this token's scope '{}' does not allow this request",
                principal.scope
            )));
        }
        Ok(Reader { principal })
    }
}
