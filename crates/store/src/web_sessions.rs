//! Browser sessions of the web interface: a random id in a cookie, kept here only as its
//! SHA-256 hash, so a copy of the database does not let anyone log in.

use bote_domain::UserId;
use chrono::{DateTime, Utc};

use crate::{StoreResult, User};

/// A session to keep. `id_hash` is the lower-case hex SHA-256 of the id in the cookie.
#[derive(Debug, Clone)]
pub struct NewWebSession {
    pub id_hash: String,
    pub user: UserId,
    pub expires_at: DateTime<Utc>,
}

/// A live session and the user it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct WebSession {
    pub user: User,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[async_trait::async_trait]
pub trait WebSessionStore {
    /// Fails with `Unknown { what: "user" }` for a user that does not exist and with
    /// `Conflict { what: "web session" }` for a hash already kept.
    async fn create_web_session(&self, new: NewWebSession) -> StoreResult<WebSession>;
    /// The session with this hash if it expires after `now`; `NotFound` otherwise (also
    /// when its user was deleted).
    async fn web_session(&self, id_hash: &str, now: DateTime<Utc>) -> StoreResult<WebSession>;
    /// Ends a session (logout); ending one that does not exist is fine.
    async fn delete_web_session(&self, id_hash: &str) -> StoreResult<()>;
    /// Removes sessions that expired at or before `now`; returns how many.
    async fn purge_web_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}
