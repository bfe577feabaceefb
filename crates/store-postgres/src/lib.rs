//! The PostgreSQL back end of bote: [`PostgresStore`] implements [`bote_store::Store`] on a
//! connection pool, for deployments where several `bote` processes share one database.
//!
//! Every statement is a runtime query (`sqlx::query*`) scoped by the account it serves; the
//! schema lives in `migrations/` and is embedded in the binary.

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
mod outbox;
mod rows;
mod send_slots;
mod service_window;
mod statistics;
mod stats;
pub mod testing;
mod web_sessions;
mod widget;

use std::time::Duration;

use anyhow::Context;
use bote_store::{Store, StoreResult};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;

use crate::errors::backend;

/// Connections one process keeps at most.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 16;

/// How long a query waits for a free connection before it fails.
pub(crate) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections of the [`replayable`](Store::replayable) pool: inbound processing runs one
/// batch at a time, a few accounts of it at once.
const REPLAYABLE_CONNECTIONS: u32 = 4;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A [`Store`] on PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// Tables to analyse after bulk changes (`statistics`).
    statistics: std::sync::Arc<statistics::Statistics>,
}

/// Connects to `url` (`postgres://user:password@host:port/database`) with a pool of up to
/// [`DEFAULT_MAX_CONNECTIONS`]. Does not migrate: call [`Store::migrate`].
pub async fn connect(url: &str) -> anyhow::Result<PostgresStore> {
    PostgresStore::connect_with(url, DEFAULT_MAX_CONNECTIONS).await
}

impl PostgresStore {
    /// Connects with a pool of at most `max_connections` and checks that the server answers.
    pub async fn connect_with(url: &str, max_connections: u32) -> anyhow::Result<PostgresStore> {
        // No JIT: bote's statements are short, and compiling the plan of a large send's
        // expansion cost more than it saved (0.7 s of 1.9 s for 50,000 recipients).
        let options = PgConnectOptions::from_str(url)
            .with_context(|| format!("reading the PostgreSQL URL {}", redact(url)))?
            .options([("jit", "off")]);
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .idle_timeout(Duration::from_secs(300))
            .connect_with(options)
            .await
            .with_context(|| format!("connecting to PostgreSQL at {}", redact(url)))?;
        Ok(PostgresStore {
            pool,
            statistics: Default::default(),
        })
    }

    /// The pool, for parts of bote that add their own tables and queries.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[async_trait::async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    /// sqlx's migrator holds a PostgreSQL advisory lock (per database) while it works, so
    /// processes starting together apply each migration once and wait for each other.
    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .context("migrating the PostgreSQL database")?;
        Ok(())
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// The same database through a small pool of its own whose sessions commit with
    /// `synchronous_commit = off`: a commit returns before its log record is on disk (it
    /// is within about 0.6 s), and PostgreSQL writes the log in order, so a crash of the
    /// database loses a suffix of such commits and never one without the ones before it.
    fn replayable(&self) -> Option<std::sync::Arc<dyn Store>> {
        let options = self
            .pool
            .connect_options()
            .as_ref()
            .clone()
            .options([("synchronous_commit", "off")]);
        let pool = PgPoolOptions::new()
            .max_connections(REPLAYABLE_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .idle_timeout(Duration::from_secs(300))
            .connect_lazy_with(options);
        Some(std::sync::Arc::new(PostgresStore {
            pool,
            statistics: self.statistics.clone(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://bote:secret@db:5432/bote?sslmode=disable"),
            "postgres://bote:***@db:5432/bote?sslmode=disable"
        );
        for plain in [
            "postgres://127.0.0.1/bote",
            "postgres://root@127.0.0.1/bote",
        ] {
            assert_eq!(redact(plain), plain);
        }
    }
}
