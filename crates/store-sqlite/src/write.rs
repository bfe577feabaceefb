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
//! own (`PASSIVE`: it never waits for the writer, nor the writer for it), and once the WAL
//! holds `RESTART_AFTER_FRAMES` pages, briefly behind the gate so that the WAL starts over
//! (see [`checkpoint`]).

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

/// WAL frames (pages) after which a checkpoint restarts the WAL: 64 MiB of 4 KiB pages.
const RESTART_AFTER_FRAMES: i64 = 16_384;

/// How long a restart waits for readers to leave the WAL, this process's writers held.
const RESTART_PATIENCE: Duration = Duration::from_millis(50);

/// How long after a restart that readers refused the next one is tried: a long read (an
/// export, say) then holds writers for `RESTART_PATIENCE` this often at most.
const RESTART_BACKOFF: Duration = Duration::from_secs(5);

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

/// A pool of one connection: the writer's, the checkpointer's.
fn one() -> SqlitePoolOptions {
    SqlitePoolOptions::new().max_connections(1)
}

/// The writer of the file `options` open, shared with the other stores on it: for a store to
/// keep. None for in-memory databases.
pub(crate) fn writer_for(options: &SqliteConnectOptions) -> Option<Arc<Writer>> {
    let file = file_of(options)?;
    let mut writers = WRITERS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(writer) = writers.get(&file).and_then(Weak::upgrade) {
        return Some(writer);
    }
    writers.retain(|_, w| w.strong_count() > 0);
    let writer = Arc::new(Writer {
        gate: Arc::default(),
        connection: one().connect_lazy_with(options.clone().pragma("wal_autocheckpoint", "0")),
    });
    writers.insert(file, Arc::downgrade(&writer));
    tokio::spawn(checkpoint_beside(
        Arc::downgrade(&writer),
        one().connect_lazy_with(options.clone().busy_timeout(RESTART_PATIENCE)),
    ));
    Some(writer)
}

/// Checkpoints the WAL every `CHECKPOINT_EVERY` on `connection` while `writer` is in use.
/// After a restart that readers kept waiting, the next waits `RESTART_BACKOFF`.
async fn checkpoint_beside(writer: Weak<Writer>, connection: SqlitePool) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut restart_from = tokio::time::Instant::now();
    loop {
        every.tick().await;
        let Some(writer) = writer.upgrade() else {
            break;
        };
        let restart_after =
            (tokio::time::Instant::now() >= restart_from).then_some(RESTART_AFTER_FRAMES);
        match checkpoint(&writer, &connection, restart_after).await {
            Ok(Checkpoint::RestartRefused) => {
                restart_from = tokio::time::Instant::now() + RESTART_BACKOFF;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "checkpointing the SQLite WAL failed"),
        }
    }
    connection.close().await;
}

/// What [`checkpoint`] did beyond copying what it could.
#[derive(Debug, PartialEq, Eq)]
enum Checkpoint {
    Copied,
    /// The WAL was copied entirely; the next write starts it over.
    Restarted,
    /// A reader stayed in the WAL longer than `connection`'s busy timeout.
    RestartRefused,
}

/// Copies the WAL into the database file without waiting for anyone (`PASSIVE`). Under a
/// steady stream of writes that never lets the WAL start over: SQLite restarts it only when
/// a write begins after everything in it was copied and no reader still reads from it, and
/// there always was a newer write or a reader, so it grew by gigabytes in one broadcast.
/// Past `restart_after` frames (none: not now) this process's writers are therefore held
/// back while the rest is copied and readers leave the WAL (`RESTART`, for at most
/// `connection`'s busy timeout); the next write then starts the WAL from its beginning.
async fn checkpoint(
    writer: &Writer,
    connection: &SqlitePool,
    restart_after: Option<i64>,
) -> Result<Checkpoint, sqlx::Error> {
    let (_, frames, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(connection)
        .await?;
    if restart_after.is_none_or(|limit| frames < limit) {
        return Ok(Checkpoint::Copied);
    }
    let _gate = writer.gate.lock().await;
    let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(RESTART)")
        .fetch_one(connection)
        .await?;
    Ok(if busy == 0 {
        Checkpoint::Restarted
    } else {
        Checkpoint::RestartRefused
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames in the WAL, as a passive checkpoint reports them.
    async fn wal_frames(pool: &SqlitePool) -> i64 {
        let (_, frames, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(pool)
            .await
            .unwrap();
        frames
    }

    async fn write(store: &SqliteStore, n: i64) {
        let mut tx = begin(store).await.unwrap();
        sqlx::query(
            "WITH RECURSIVE k(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM k WHERE v < ?1) \
             INSERT INTO t (v) SELECT v FROM k",
        )
        .bind(n)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    /// A store with a table `t`, written once, and a reader holding that snapshot while a
    /// second write appends to the WAL: a passive checkpoint cannot copy it all.
    async fn wal_held_by_a_reader() -> (SqliteStore, Transaction<'static, Sqlite>) {
        let store = SqliteStore::temporary().await.unwrap();
        sqlx::query("CREATE TABLE t (v INTEGER)")
            .execute(store.pool())
            .await
            .unwrap();
        write(&store, 2_000).await;
        let mut reader = store.pool().begin().await.unwrap();
        let _: i64 = sqlx::query_scalar("SELECT count(*) FROM t")
            .fetch_one(&mut *reader)
            .await
            .unwrap();
        write(&store, 2_000).await;
        (store, reader)
    }

    fn checkpointer(store: &SqliteStore, patience: Duration) -> SqlitePool {
        let options = store.pool().connect_options().as_ref().clone();
        one().connect_lazy_with(options.busy_timeout(patience))
    }

    /// Without a restart the next write would append to the WAL instead of starting it over.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_checkpoint_past_its_limit_starts_the_wal_over() {
        let (store, reader) = wal_held_by_a_reader().await;
        let writer = store.writer.clone().expect("a file has a writer");
        let checkpointer = checkpointer(&store, Duration::from_secs(5));
        let before = wal_frames(&checkpointer).await;
        assert!(before > 0);

        let restart = tokio::spawn({
            let checkpointer = checkpointer.clone();
            async move { checkpoint(&writer, &checkpointer, Some(1)).await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        reader.commit().await.unwrap();
        assert_eq!(restart.await.unwrap().unwrap(), Checkpoint::Restarted);

        write(&store, 10).await;
        let after = wal_frames(&checkpointer).await;
        assert!(
            after < before,
            "the WAL should have started over: {after} frames after the restart, {before} before"
        );
    }

    /// A long read holds writers back for the checkpointer's patience, not until it ends.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reader_that_stays_refuses_the_restart_within_its_patience() {
        let (store, reader) = wal_held_by_a_reader().await;
        let writer = store.writer.clone().expect("a file has a writer");
        let started = std::time::Instant::now();
        let done = checkpoint(&writer, &checkpointer(&store, RESTART_PATIENCE), Some(1)).await;
        assert_eq!(done.unwrap(), Checkpoint::RestartRefused);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the restart gave up after {:?}",
            started.elapsed()
        );
        write(&store, 10).await;
        reader.commit().await.unwrap();
    }
}
