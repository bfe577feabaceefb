//! The SQLite back end of bote: one file, WAL journal, one writer at a time.
//!
//! Every write that reads before it writes runs in a `BEGIN IMMEDIATE` transaction, which
//! takes SQLite's write lock up front: a deferred transaction that upgrades from reading to
//! writing can fail with `SQLITE_BUSY` at once instead of waiting for the lock. Those
//! transactions queue in the process first (`write::begin`), so the lock passes from one
//! writer to the next without SQLite's busy-handler sleeps.

mod accounts;
mod addon;
mod consent;
mod contacts;
mod errors;
mod groups;
mod import;
mod inbound;
mod inbound_pending;
mod mail_log;
mod merge;
mod outbox;
mod rows;
mod search;
mod send_slots;
mod service_window;
mod stats;
mod time;
mod web_sessions;
mod widget;
mod write;

#[cfg(test)]
mod plans;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use bote_store::{Store, StoreResult};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::errors::DbResultExt;

/// Connections in the pool; reads run in parallel, writes queue on SQLite's lock.
const MAX_CONNECTIONS: u32 = 8;

/// How long a statement waits for another connection's write lock before failing.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A [`Store`] on an SQLite database file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Write transactions' connection (`write::begin`), shared by the stores on the file;
    /// none for an in-memory database.
    writer: Option<std::sync::Arc<write::Writer>>,
    /// For [`SqliteStore::temporary`]: the directory lives as long as any clone.
    _dir: Option<std::sync::Arc<tempfile::TempDir>>,
}

impl SqliteStore {
    /// Opens (and creates when missing) the database named by `url`: `sqlite://path`,
    /// `sqlite:path`, `sqlite::memory:` or a plain file path. Does not migrate.
    pub async fn connect(url: &str) -> anyhow::Result<SqliteStore> {
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)
                .with_context(|| format!("invalid SQLite URL '{url}'"))?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // 4 MiB of page cache per connection at most, allocated as used. In WAL mode a
            // connection drops its whole cache whenever another one has written, so a larger
            // cache is mostly refilled, not reused: at 16 MiB a 1,000,000-recipient broadcast
            // peaked at 236 MB (64 MiB: over 600 MB), at 4 MiB at 131 MB, with the same
            // broadcast rate, webhook rate and import time (BENCHMARKS.md, benchmark 2).
            .pragma("cache_size", "-4096")
            .pragma("temp_store", "MEMORY")
            // The WAL file is cut back to 64 MiB when it starts over (see `write.rs`):
            // a large send's acceptance grows it past that once.
            .pragma("journal_size_limit", "67108864")
            .with_regexp();
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let pool = SqlitePoolOptions::new()
            // A private in-memory database exists once per connection.
            .max_connections(if in_memory { 1 } else { MAX_CONNECTIONS })
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open SQLite database '{url}'"))?;
        Ok(SqliteStore {
            writer: write::writer_for(&pool.connect_options()),
            pool,
            _dir: None,
        })
    }

    /// A migrated store on a new database file in a temporary directory that is removed
    /// when the last clone of the store is dropped: for tests and benchmarks.
    pub async fn temporary() -> anyhow::Result<SqliteStore> {
        let dir = tempfile::TempDir::new().context("creating a temporary directory")?;
        let mut store = Self::connect(&format!(
            "sqlite://{}",
            dir.path().join("bote.db").display()
        ))
        .await?;
        store.migrate().await.context("migrating")?;
        store._dir = Some(std::sync::Arc::new(dir));
        Ok(store)
    }

    /// The connection pool, for tables that later modules add.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations")
            .run(&self.pool)
            .await
            .context("running SQLite migrations")?;
        Ok(())
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.db()?;
        Ok(())
    }
}
