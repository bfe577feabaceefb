//! The import pipeline. A first pass checks the file's structure (header, field counts,
//! UTF-8) so that a broken file is refused before anything is written; a second pass parses
//! rows on a blocking thread and hands batches through a bounded channel to the store, so
//! memory stays bounded whatever the file's size and parsing overlaps with writing.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::sync::Arc;

use bote_domain::{AccountId, Region};
use bote_store::{ImportOutcome, ImportRow, RejectedRow, Store};
use serde::Serialize;
use tokio::sync::mpsc;

use super::layout::{Layout, detect_delimiter};
use super::row::parse_row;

/// Rows handed to the store at once.
const BATCH_ROWS: usize = 2_000;
/// Rejected rows listed in a report; more are counted.
pub const MAX_REPORTED_REJECTS: usize = 100_000;
/// Longest field accepted; longer ones are almost always a quote that never closes.
const MAX_FIELD_BYTES: usize = 10_000;

/// A file that cannot be imported at all; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CsvError {
    pub line: u64,
    pub message: String,
}

impl CsvError {
    pub fn at(line: u64, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

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
    let layout = tokio::task::spawn_blocking(move || check_structure(&check_path))
        .await
        .expect("structure check panicked")?;

    let (tx, mut rx) = mpsc::channel::<Batch>(2);
    let parser =
        tokio::task::spawn_blocking(move || parse_batches(&path, &layout, region, tx, progress));

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

fn reader_for(path: &PathBuf) -> Result<(csv::Reader<BufReader<File>>, u8), ImportError> {
    let mut file = BufReader::with_capacity(1 << 16, File::open(path)?);
    let first_line = {
        let buf = file.fill_buf()?;
        let end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
        buf[..end].to_vec()
    };
    let delimiter = detect_delimiter(&first_line);
    let reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(file);
    Ok((reader, delimiter))
}

fn csv_error(e: csv::Error, fallback_line: u64) -> ImportError {
    let line = e.position().map(|p| p.line()).unwrap_or(fallback_line);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "has {len} fields but the header has {expected_len}; check the quoting and delimiters"
        ),
        csv::ErrorKind::Utf8 { .. } => {
            "is not valid UTF-8; save the file as \"CSV UTF-8\" and import it again".to_owned()
        }
        csv::ErrorKind::Io(io) => {
            return ImportError::Io(std::io::Error::new(io.kind(), io.to_string()));
        }
        _ => e.to_string(),
    };
    CsvError::at(line, message).into()
}

/// Pass one: the whole file is well-formed, or nothing is written.
fn check_structure(path: &PathBuf) -> Result<Layout, ImportError> {
    let (mut reader, delimiter) = reader_for(path)?;
    let headers = reader.headers().map_err(|e| csv_error(e, 1))?.clone();
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(CsvError::at(1, "the file is empty or has no header line").into());
    }
    let layout = Layout::from_headers(&headers.iter().collect::<Vec<_>>(), delimiter)?;
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map(|p| p.line()).unwrap_or(0);
                for (field, column) in record.iter().zip(&layout.columns) {
                    if column.is_single_line() && field.iter().any(|&b| b == b'\n' || b == b'\r') {
                        return Err(CsvError::at(
                            line,
                            format!("a {column} value spans several lines; is a quote not closed?"),
                        )
                        .into());
                    }
                    if field.len() > MAX_FIELD_BYTES {
                        return Err(CsvError::at(
                            line,
                            format!("a field is longer than {MAX_FIELD_BYTES} bytes; is a quote not closed?"),
                        )
                        .into());
                    }
                    if std::str::from_utf8(field).is_err() {
                        return Err(CsvError::at(
                            line,
                            "is not valid UTF-8; save the file as \"CSV UTF-8\" and import it again",
                        )
                        .into());
                    }
                }
            }
            Err(e) => return Err(csv_error(e, 0)),
        }
    }
    Ok(layout)
}

/// Pass two, on a blocking thread: rows parsed into batches for the store.
fn parse_batches(
    path: &PathBuf,
    layout: &Layout,
    region: Region,
    tx: mpsc::Sender<Batch>,
    progress: Option<Progress>,
) -> Result<(), ImportError> {
    let (reader, _) = reader_for(path)?;
    let mut records = reader.into_records();
    let mut batch = Batch {
        rows: 0,
        valid: Vec::with_capacity(BATCH_ROWS),
        rejected: Vec::new(),
    };
    // The header is line 1. The reader counts lines by `\n`, so rows ended by a bare `\r`
    // (old Mac "CSV (Macintosh)" files) would all share one line number; each row is at
    // least one line after the one before.
    let (mut rows, mut last_offset, mut last_line) = (0u64, 0u64, 1u64);
    for record in &mut records {
        let record = record.map_err(|e| csv_error(e, last_line + 1))?;
        let (line, offset) = record
            .position()
            .map(|p| (p.line(), p.byte()))
            .unwrap_or((0, last_offset));
        let line = line.max(last_line + 1);
        last_line = line;
        last_offset = offset;
        batch.rows += 1;
        rows += 1;
        match parse_row(layout, line, &record, region) {
            Ok(row) => batch.valid.push(row),
            Err(reason) => batch.rejected.push(RejectedRow { line, reason }),
        }
        if batch.valid.len() + batch.rejected.len() >= BATCH_ROWS {
            let full = std::mem::replace(
                &mut batch,
                Batch {
                    rows: 0,
                    valid: Vec::with_capacity(BATCH_ROWS),
                    rejected: Vec::new(),
                },
            );
            if tx.blocking_send(full).is_err() {
                return Ok(()); // the receiver stopped: the store failed and reports why
            }
            if let Some(p) = &progress {
                p(last_offset, rows);
            }
        }
    }
    let _ = tx.blocking_send(batch);
    if let Some(p) = &progress {
        p(records.reader().position().byte().max(last_offset), rows);
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

#[cfg(test)]
mod proptests;
