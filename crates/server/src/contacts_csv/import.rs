//! The import pipeline. A first pass checks the file's structure (header, field counts,
//! UTF-8) so that a broken file is refused before anything is written; a second pass parses
//! rows on a blocking thread and hands batches through a bounded channel to the store, so
//! memory stays bounded whatever the file's size and parsing overlaps with writing. Reading
//! and parsing are `bote_wire::contacts_csv`'s; this is the file, the threads and the store.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bote_domain::{AccountId, Region};
use bote_store::{ImportOutcome, ImportRow, RejectedRow, Store};
pub use bote_wire::contacts_csv::CsvError;
use bote_wire::contacts_csv::{Layout, ReadError, Rows, check_structure};
use serde::Serialize;
use tokio::sync::mpsc;

/// Rows handed to the store at once.
const BATCH_ROWS: usize = 2_000;
/// Rejected rows listed in a report; more are counted.
pub const MAX_REPORTED_REJECTS: usize = 100_000;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// Data rows read (not counting the header).
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected_count: u64,
    /// Rejected rows by line, at most [`MAX_REPORTED_REJECTS`].
    pub rejected: Vec<RejectedRow>,
}

impl ImportReport {
    fn add(&mut self, outcome: ImportOutcome) {
        self.created += outcome.created;
        self.updated += outcome.updated;
        self.unchanged += outcome.unchanged;
        self.reject(outcome.rejected);
    }

    fn reject(&mut self, rows: Vec<RejectedRow>) {
        self.rejected_count += rows.len() as u64;
        let room = MAX_REPORTED_REJECTS.saturating_sub(self.rejected.len());
        self.rejected.extend(rows.into_iter().take(room));
    }
}

/// Errors of the import as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Csv(#[from] CsvError),
    #[error(transparent)]
    Store(#[from] bote_store::StoreError),
    #[error("reading the file: {0}")]
    Io(#[from] std::io::Error),
}

impl From<ReadError> for ImportError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Csv(csv) => Self::Csv(csv),
            ReadError::Io(io) => Self::Io(io),
        }
    }
}

/// Called with (bytes read, rows read) as the import advances.
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// Imports the CSV file at `path` into `account`.
pub async fn import_file(
    store: Arc<dyn Store>,
    account: AccountId,
    region: Region,
    path: PathBuf,
    progress: Option<Progress>,
) -> Result<ImportReport, ImportError> {
    let check_path = path.clone();
    let layout = tokio::task::spawn_blocking(move || check_structure(open(&check_path)?))
        .await
        .expect("structure check panicked")?;

    let (tx, mut rx) = mpsc::channel::<Batch>(2);
    let parser =
        tokio::task::spawn_blocking(move || parse_batches(&path, layout, region, tx, progress));

    let mut report = ImportReport::default();
    while let Some(batch) = rx.recv().await {
        report.rows += batch.rows;
        report.reject(batch.rejected);
        if !batch.valid.is_empty() {
            report.add(store.import_contacts(account, &batch.valid).await?);
        }
    }
    parser.await.expect("parser panicked")?;
    report.rejected.sort_by_key(|r| r.line);
    Ok(report)
}

struct Batch {
    rows: u64,
    valid: Vec<ImportRow>,
    rejected: Vec<RejectedRow>,
}

impl Batch {
    fn new() -> Self {
        Self {
            rows: 0,
            valid: Vec::with_capacity(BATCH_ROWS),
            rejected: Vec::new(),
        }
    }
}

fn open(path: &Path) -> std::io::Result<BufReader<File>> {
    Ok(BufReader::with_capacity(1 << 16, File::open(path)?))
}

/// Pass two, on a blocking thread: rows parsed into batches for the store.
fn parse_batches(
    path: &Path,
    layout: Layout,
    region: Region,
    tx: mpsc::Sender<Batch>,
    progress: Option<Progress>,
) -> Result<(), ImportError> {
    let mut rows = Rows::new(open(path)?, layout, region);
    let mut batch = Batch::new();
    let mut count = 0u64;
    // `while let`: the loop reads the position of the row it has just read.
    while let Some(verdict) = rows.next() {
        batch.rows += 1;
        count += 1;
        match verdict? {
            Ok(row) => batch.valid.push(row),
            Err(rejected) => batch.rejected.push(rejected),
        }
        if batch.valid.len() + batch.rejected.len() >= BATCH_ROWS {
            let full = std::mem::replace(&mut batch, Batch::new());
            if tx.blocking_send(full).is_err() {
                return Ok(()); // the receiver stopped: the store failed and reports why
            }
            if let Some(p) = &progress {
                p(rows.offset(), count);
            }
        }
    }
    let _ = tx.blocking_send(batch);
    if let Some(p) = &progress {
        p(rows.bytes_read(), count);
    }
    Ok(())
}

/// Reads a whole stream into a temporary file, refusing more than `limit` bytes.
pub async fn spool<R: tokio::io::AsyncRead + Unpin>(
    mut body: R,
    limit: u64,
) -> std::io::Result<Option<tempfile::TempPath>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let tmp = tempfile::NamedTempFile::new()?;
    let (file, path) = tmp.into_parts();
    let mut out = tokio::fs::File::from_std(file);
    let mut reader = (&mut body).take(limit + 1);
    let copied = tokio::io::copy(&mut reader, &mut out).await?;
    out.flush().await?;
    if copied > limit {
        return Ok(None);
    }
    Ok(Some(path))
}
