//! How both passes read a file: the CSV reader's settings, and its errors in the terms of
//! the person who saved the file.

use std::io::Read;

use super::error::{CsvError, ReadError};

/// A header line, then records of exactly as many fields as it names.
pub(super) fn reader<R: Read>(input: R, delimiter: u8) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(input)
}

/// The error with the line it is on, `fallback_line` when the reader does not say.
pub(super) fn csv_error(e: csv::Error, fallback_line: u64) -> ReadError {
    let line = e.position().map(|p| p.line()).unwrap_or(fallback_line);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "has {len} fields but the header has {expected_len}; check the quoting and delimiters"
        ),
        csv::ErrorKind::Utf8 { .. } => NOT_UTF8.to_owned(),
        csv::ErrorKind::Io(io) => {
            return ReadError::Io(std::io::Error::new(io.kind(), io.to_string()));
        }
        _ => e.to_string(),
    };
    CsvError::at(line, message).into()
}

pub(super) const NOT_UTF8: &str =
    "is not valid UTF-8; save the file as \"CSV UTF-8\" and import it again";
