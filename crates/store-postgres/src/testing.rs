//! Throw-away databases for tests: each call of [`fresh_database_url`] creates a new, empty
//! database on the server named by `BOTE_TEST_POSTGRES_URL`, so tests never share state.
//!
//! Databases stay behind when their tests end. Each name carries its creation time, and every
//! call of [`fresh_database_url`] first drops the test databases older than [`STALE_AFTER`];
//! [`drop_test_databases`] removes them all at once (for CI, when no test runs).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use bote_store::Store;
use sqlx::{Connection, PgConnection};

use crate::PostgresStore;

/// The environment variable naming the administrative connection used to create databases.
pub const ADMIN_URL_ENV: &str = "BOTE_TEST_POSTGRES_URL";

/// The server used when [`ADMIN_URL_ENV`] is unset.
pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Every database these helpers create has a name starting with this.
pub const TEST_DATABASE_PREFIX: &str = "bote_test_";

/// Test databases older than this are dropped by the next [`fresh_database_url`].
pub const STALE_AFTER: Duration = Duration::from_secs(6 * 60 * 60);

/// Connections a test store keeps at most: tests run side by side on one server.
const TEST_MAX_CONNECTIONS: u32 = 4;

/// The administrative URL: [`ADMIN_URL_ENV`], or [`DEFAULT_ADMIN_URL`].
pub fn admin_url() -> String {
    std::env::var(ADMIN_URL_ENV)
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_ADMIN_URL.to_owned())
}

async fn admin_connection() -> anyhow::Result<PgConnection> {
    let url = admin_url();
    PgConnection::connect(&url)
        .await
        .with_context(|| format!("connecting to the test PostgreSQL server ({ADMIN_URL_ENV})"))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `bote_test_` + creation time (8 hex digits of Unix seconds) + 16 random hex digits.
fn database_name(created: u64, random_hex: &str) -> String {
    format!("{TEST_DATABASE_PREFIX}{:08x}{random_hex}", created as u32)
}

/// Whether a test database of this name was created more than [`STALE_AFTER`] before `now`.
fn is_stale(name: &str, now: u64) -> bool {
    let created = name
        .strip_prefix(TEST_DATABASE_PREFIX)
        .and_then(|rest| rest.get(..8))
        .and_then(|hex| u32::from_str_radix(hex, 16).ok());
    created.is_some_and(|created| now.saturating_sub(u64::from(created)) > STALE_AFTER.as_secs())
}

async fn test_databases(admin: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    let names = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname",
    )
    .bind(TEST_DATABASE_PREFIX)
    .fetch_all(admin)
    .await?;
    Ok(names)
}

async fn drop_database(admin: &mut PgConnection, name: &str) -> anyhow::Result<()> {
    let drop = format!(
        "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
        name.replace('"', "\"\"")
    );
    sqlx::query(sqlx::AssertSqlSafe(drop))
        .execute(admin)
        .await
        .with_context(|| format!("dropping test database {name}"))?;
    Ok(())
}

/// Creates an empty database named `bote_test_<hex>` and returns its URL.
pub async fn fresh_database_url() -> anyhow::Result<String> {
    let mut admin = admin_connection().await?;
    let now = unix_now();
    for name in test_databases(&mut admin).await? {
        if is_stale(&name, now) {
            // Another test process may be dropping it too: that is fine.
            drop_database(&mut admin, &name).await.ok();
        }
    }
    let random: String = sqlx::query_scalar("SELECT left(md5(gen_random_uuid()::text), 16)")
        .fetch_one(&mut admin)
        .await?;
    let name = database_name(now, &random);
    // The name is ours: a fixed prefix and hex digits.
    let create = format!("CREATE DATABASE \"{name}\"");
    sqlx::query(sqlx::AssertSqlSafe(create))
        .execute(&mut admin)
        .await
        .with_context(|| format!("creating test database {name}"))?;
    admin.close().await.ok();
    with_database(&admin_url(), &name)
}

/// A store on a fresh database, migrated.
pub async fn fresh_store() -> anyhow::Result<PostgresStore> {
    let url = fresh_database_url().await?;
    let store = PostgresStore::connect_with(&url, TEST_MAX_CONNECTIONS).await?;
    store.migrate().await?;
    Ok(store)
}

/// Drops every `bote_test_%` database of the server, disconnecting whoever still uses them
/// (so not while tests run). Returns how many it dropped.
pub async fn drop_test_databases() -> anyhow::Result<usize> {
    let mut admin = admin_connection().await?;
    let names = test_databases(&mut admin).await?;
    for name in &names {
        drop_database(&mut admin, name).await?;
    }
    admin.close().await.ok();
    Ok(names.len())
}

/// `url` with its database replaced by `database`, keeping credentials, host and options.
fn with_database(url: &str, database: &str) -> anyhow::Result<String> {
    let (scheme, rest) = url
        .split_once("://")
        .with_context(|| format!("{ADMIN_URL_ENV} is not a URL"))?;
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    Ok(format!("{scheme}://{authority}/{database}{query}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_tell_their_age() {
        let name = database_name(1_700_000_000, "0123456789abcdef");
        assert_eq!(name, "bote_test_6553f1000123456789abcdef");
        assert!(!is_stale(&name, 1_700_000_000 + 60));
        assert!(is_stale(&name, 1_700_000_000 + STALE_AFTER.as_secs() + 1));
        assert!(!is_stale("bote_test_x", 1_700_000_000));
        assert!(!is_stale("other", u64::MAX));
    }

    #[test]
    fn the_database_is_replaced() {
        for (admin, expected) in [
            (
                "postgres://postgres@127.0.0.1:5432/postgres",
                "postgres://postgres@127.0.0.1:5432/x",
            ),
            (
                "postgres://u:p@h/postgres?sslmode=disable",
                "postgres://u:p@h/x?sslmode=disable",
            ),
            ("postgresql://h:5432", "postgresql://h:5432/x"),
            (
                "postgres://h?host=/run/postgresql",
                "postgres://h/x?host=/run/postgresql",
            ),
        ] {
            assert_eq!(with_database(admin, "x").unwrap(), expected);
        }
    }
}
