//! Write transactions, one at a time per database file, queued in this process.
//!
//! SQLite lets one connection write at a time; a `BEGIN IMMEDIATE` that finds the lock taken
//! sleeps in SQLite's busy handler (1, 2, 5 … up to 100 ms between tries) and may wake long
//! after the lock came free. Under load — the dispatcher, the receipt writer, the callback
//! worker and acceptances all writing — those sleeps cost more than the writes. So writers
//! of this process first queue on an async gate per file (first come, first served) and
//! take the lock as soon as the one before them commits; the busy handler remains for
//! other processes and for plain statements outside these transactions.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bote_store::{StoreError, StoreResult};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use tokio::sync::OwnedMutexGuard;

use crate::errors::DbResultExt;

/// How long a writer waits in this process's queue before giving up with
/// [`StoreError::Busy`]. Longer than SQLite's busy timeout: the queue is fair, and large
/// writes (the acceptance of a send to a big group takes a second or more) may stand in it
/// side by side.
const GATE_TIMEOUT: Duration = Duration::from_secs(30);

/// A `BEGIN IMMEDIATE` transaction holding its file's gate until it ends.
pub(crate) struct WriteTx {
    tx: Transaction<'static, Sqlite>,
    _gate: Option<OwnedMutexGuard<()>>,
}

/// Starts a write transaction on `pool` once this process's earlier writers are done.
pub(crate) async fn begin(pool: &SqlitePool) -> StoreResult<WriteTx> {
    let gate = match gate(pool) {
        Some(gate) => Some(
            tokio::time::timeout(GATE_TIMEOUT, gate.lock_owned())
                .await
                .map_err(|_| {
                    StoreError::Busy(format!(
                        "waited {GATE_TIMEOUT:?} for the database's write lock"
                    ))
                })?,
        ),
        None => None,
    };
    let tx = pool.begin_with("BEGIN IMMEDIATE").await.db()?;
    Ok(WriteTx { tx, _gate: gate })
}

/// The gate of the pool's file; none for in-memory databases (one connection each).
fn gate(pool: &SqlitePool) -> Option<Arc<tokio::sync::Mutex<()>>> {
    let file = pool.connect_options().get_filename().to_path_buf();
    if file.as_os_str().is_empty() || file.to_string_lossy().contains(":memory:") {
        return None;
    }
    let file = std::fs::canonicalize(&file).unwrap_or(file);
    static GATES: OnceLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let mut gates = GATES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    Some(gates.entry(file).or_default().clone())
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}
