//! Why a CSV file cannot be imported.

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

/// Reading a file failed: it is malformed ([`CsvError`]), or the bytes could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Csv(#[from] CsvError),
    #[error("reading the file: {0}")]
    Io(#[from] std::io::Error),
}
