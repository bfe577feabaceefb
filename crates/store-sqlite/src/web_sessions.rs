//! Web sessions, kept by the hash of their id.

use bote_store::{NewWebSession, StoreError, StoreResult, WebSession, WebSessionStore};
use chrono::{DateTime, Utc};
use sqlx::{FromRow, Row};

use crate::errors::{DbResultExt, UniqueKey, backend, conflict, is_foreign_key_violation};
use crate::rows::UserRow;
use crate::{SqliteStore, time};

/// The user's columns as `UserRow` reads them, and the session's own two, from `$from`.
macro_rules! select {
    ($from:literal) => {
        concat!(
            "SELECT u.id, u.account_id, u.username, u.role, u.email, u.created_at, ",
            "s.created_at AS session_created_at, s.expires_at FROM ",
            $from,
            " s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?"
        )
    };
}

fn session(row: &sqlx::sqlite::SqliteRow) -> StoreResult<WebSession> {
    Ok(WebSession {
        user: UserRow::from_row(row).map_err(backend)?.try_into()?,
        created_at: row.try_get("session_created_at").map_err(backend)?,
        expires_at: row.try_get("expires_at").map_err(backend)?,
    })
}

#[async_trait::async_trait]
impl WebSessionStore for SqliteStore {
    async fn create_web_session(&self, new: NewWebSession) -> StoreResult<WebSession> {
        sqlx::query(
            "INSERT INTO web_sessions (id_hash, user_id, created_at, expires_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(&new.id_hash)
        .bind(new.user.0)
        .bind(time::text(time::now()))
        .bind(time::text(new.expires_at))
        .execute(&self.pool)
        .await
        .map_err(|err| {
            if is_foreign_key_violation(&err) {
                return StoreError::Unknown {
                    what: "user",
                    value: new.user.to_string(),
                };
            }
            let key = UniqueKey {
                column: "web_sessions.id_hash",
                what: "web session",
                value: &new.id_hash,
            };
            conflict(err, &[key])
        })?;
        let row = sqlx::query(select!("web_sessions"))
            .bind(&new.id_hash)
            .fetch_one(&self.pool)
            .await
            .db()?;
        session(&row)
    }

    async fn web_session(&self, id_hash: &str, now: DateTime<Utc>) -> StoreResult<WebSession> {
        let row = sqlx::query(concat!(select!("web_sessions"), " AND s.expires_at > ?"))
            .bind(id_hash)
            .bind(time::text(now))
            .fetch_optional(&self.pool)
            .await
            .db()?
            .ok_or(StoreError::NotFound("web session"))?;
        session(&row)
    }

    async fn delete_web_session(&self, id_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM web_sessions WHERE id_hash = ?")
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn purge_web_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM web_sessions WHERE expires_at <= ?")
            .bind(time::text(now))
            .execute(&self.pool)
            .await
            .db()?;
        Ok(done.rows_affected())
    }
}
