//! Write transactions, one at a time per database file, on one connection of their own.
//!
//! SQLite lets one connection write at a time; a `BEGIN IMMEDIATE` that finds the lock taken
//! sleeps in SQLite's busy handler (1, 2, 5 … up to 100 ms between tries) and may wake long
//! after the lock came free. Under load — the dispatcher, the receipt writer, the callback
//! worker and acceptances all writing — those sleeps cost more than the writes. So writers
//! of this process first queue on an async gate per file (first come, first served) and
//! take the lock as soon as the one before them commits; the busy handler remains for
//! other processes and for plain statements outside these transactions.
//!
//! The transactions all run on the file's [`Writer`] connection. In WAL mode a connection
//! drops its page cache whenever another connection has written since its last
//! transaction; spread over the pool, each write transaction started cold and read its
//! pages again. The writer's cache stays warm (only other processes' writes drop it), and
//! the pool's connections are left to reads.
//!
//! The writer does not checkpoint: a commit that crossed SQLite's 1,000-page mark copied the
//! WAL back into the database file itself, 5–10 ms with every writer of the process
//! waiting. A task beside it checkpoints every `CHECKPOINT_EVERY` on a connection of its
//! own (`PASSIVE`: it never waits for the writer, nor the writer for it).

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use bote_store::{StoreError, StoreResult};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use tokio::sync::OwnedMutexGuard;

use crate::SqliteStore;
use crate::errors::DbResultExt;

/// How long a writer waits in this process's queue before giving up with
/// [`StoreError::Busy`]. Longer than SQLite's busy timeout: the queue is fair, and large
/// writes (the acceptance of a send to a big group takes a second or more) may stand in it
/// side by side.
const GATE_TIMEOUT: Duration = Duration::from_secs(30);

/// How often the WAL is copied back into the database file, beside the writer.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// The queue and the connection that write one database file in this process. Every
/// [`SqliteStore`](crate::SqliteStore) on the file holds it; it goes when the last one does.
#[derive(Debug)]
pub(crate) struct Writer {
    gate: Arc<tokio::sync::Mutex<()>>,
    /// One connection.
    connection: SqlitePool,
}

/// Writers by canonical file path, kept by the stores that use them: looked up once, when a
/// store opens its file.
static WRITERS: OnceLock<Mutex<HashMap<PathBuf, Weak<Writer>>>> = OnceLock::new();

/// The file of `options`; none for in-memory databases (one connection each, no gate).
fn file_of(options: &SqliteConnectOptions) -> Option<PathBuf> {
    let file = options.get_filename();
    if file.as_os_str().is_empty() || file.to_string_lossy().contains(":memory:") {
        return None;
    }
    Some(std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf()))
}

fn writers() -> std::sync::MutexGuard<'static, HashMap<PathBuf, Weak<Writer>>> {
    WRITERS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// The writer of the file `options` open, shared with the other stores on it: for a store to
/// keep. None for in-memory databases.
pub(crate) fn writer_for(options: &SqliteConnectOptions) -> Option<Arc<Writer>> {
    let file = file_of(options)?;
    let mut writers = writers();
    if let Some(writer) = writers.get(&file).and_then(Weak::upgrade) {
        return Some(writer);
    }
    writers.retain(|_, w| w.strong_count() > 0);
    let one = || SqlitePoolOptions::new().max_connections(1);
    let writer = Arc::new(Writer {
        gate: Arc::default(),
        connection: one().connect_lazy_with(options.clone().pragma("wal_autocheckpoint", "0")),
    });
    writers.insert(file, Arc::downgrade(&writer));
    tokio::spawn(checkpoint_beside(
        Arc::downgrade(&writer),
        one().connect_lazy_with(options.clone()),
    ));
    Some(writer)
}

/// Checkpoints the WAL every `CHECKPOINT_EVERY` on `connection` while `writer` is in use.
async fn checkpoint_beside(writer: Weak<Writer>, connection: SqlitePool) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if writer.strong_count() == 0 {
            break;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&connection)
            .await
        {
            tracing::warn!(error = %e, "checkpointing the SQLite WAL failed");
        }
    }
    connection.close().await;
}

/// A `BEGIN IMMEDIATE` transaction holding its file's gate until it ends.
pub(crate) struct WriteTx {
    tx: Transaction<'static, Sqlite>,
    _gate: Option<OwnedMutexGuard<()>>,
}

/// Starts a write transaction on `store`'s file once this process's earlier writers are
/// done: on the file's writer, or on the store's pool for an in-memory database.
pub(crate) async fn begin(store: &SqliteStore) -> StoreResult<WriteTx> {
    let Some(writer) = &store.writer else {
        let tx = store.pool().begin_with("BEGIN IMMEDIATE").await.db()?;
        return Ok(WriteTx { tx, _gate: None });
    };
    let gate = tokio::time::timeout(GATE_TIMEOUT, writer.gate.clone().lock_owned())
        .await
        .map_err(|_| {
            StoreError::Busy(format!(
                "waited {GATE_TIMEOUT:?} for the database's write lock"
            ))
        })?;
    let tx = writer.connection.begin_with("BEGIN IMMEDIATE").await.db()?;
    Ok(WriteTx {
        tx,
        _gate: Some(gate),
    })
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
