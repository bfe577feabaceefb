//! Web sessions, kept by the hash of their id.

use bote_store::{NewWebSession, StoreError, StoreResult, WebSession, WebSessionStore};
use chrono::{DateTime, Utc};
use sqlx::error::ErrorKind;
use sqlx::{FromRow, Row};

use crate::PostgresStore;
use crate::errors::backend;
use crate::rows::UserRow;

/// The user's columns as `UserRow` reads them, and the session's own two, from `$from`.
macro_rules! select {
    ($from:literal) => {
        concat!(
            "SELECT u.id, u.account_id, u.username, u.role, u.email, u.created_at, ",
            "s.created_at AS session_created_at, s.expires_at FROM ",
            $from,
            " s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1"
        )
    };
}

fn session(row: &sqlx::postgres::PgRow) -> StoreResult<WebSession> {
    Ok(WebSession {
        user: UserRow::from_row(row).map_err(backend)?.try_into()?,
        created_at: row.try_get("session_created_at").map_err(backend)?,
        expires_at: row.try_get("expires_at").map_err(backend)?,
    })
}

#[async_trait::async_trait]
impl WebSessionStore for PostgresStore {
    async fn create_web_session(&self, new: NewWebSession) -> StoreResult<WebSession> {
        let row = sqlx::query(concat!(
            "WITH n AS (INSERT INTO web_sessions (id_hash, user_id, expires_at) ",
            "VALUES ($1, $2, $3) RETURNING *) ",
            select!("n")
        ))
        .bind(&new.id_hash)
        .bind(new.user.0)
        .bind(new.expires_at)
        .fetch_one(&self.pool)
        .await
        .map_err(|err| {
            let kind = err.as_database_error().map(|db| db.kind());
            match kind {
                Some(ErrorKind::ForeignKeyViolation) => StoreError::Unknown {
                    what: "user",
                    value: new.user.to_string(),
                },
                Some(ErrorKind::UniqueViolation) => StoreError::Conflict {
                    what: "web session",
                    value: new.id_hash.clone(),
                },
                _ => backend(err),
            }
        })?;
        session(&row)
    }

    async fn web_session(&self, id_hash: &str, now: DateTime<Utc>) -> StoreResult<WebSession> {
        let row = sqlx::query(concat!(select!("web_sessions"), " AND s.expires_at > $2"))
            .bind(id_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .ok_or(StoreError::NotFound("web session"))?;
        session(&row)
    }

    async fn delete_web_session(&self, id_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn purge_web_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected())
    }
}
