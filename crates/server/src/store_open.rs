//! Opens the store named by the database URL and applies migrations.

use std::sync::Arc;

use anyhow::Context;
use bote_store::Store;

use crate::config::{Backend, DatabaseUrl};

/// Connects to the store and migrates it; the one place that names a back end.
pub async fn open_store(url: &DatabaseUrl) -> anyhow::Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = match url.backend() {
        Backend::Sqlite => Arc::new(
            bote_store_sqlite::SqliteStore::connect(url.expose())
                .await
                .with_context(|| format!("opening SQLite database {url}"))?,
        ),
        Backend::Postgres => Arc::new(
            bote_store_postgres::connect(url.expose())
                .await
                .with_context(|| format!("connecting to PostgreSQL at {url}"))?,
        ),
    };
    store
        .migrate()
        .await
        .with_context(|| format!("migrating {url}"))?;
    Ok(store)
}
