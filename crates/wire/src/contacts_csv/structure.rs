//! Pass one: the whole file is well-formed (a header naming a number column, every record
//! as wide as the header, UTF-8, no runaway quotes), or it is refused with the line that is
//! wrong before anything is written.

use std::io::BufRead;

use super::error::{CsvError, ReadError};
use super::layout::{Layout, detect_delimiter};
use super::reader::{NOT_UTF8, csv_error, reader};

/// Longest field accepted; longer ones are almost always a quote that never closes.
const MAX_FIELD_BYTES: usize = 10_000;

/// Reads the whole input; on success, the layout pass two reads it with.
pub fn check_structure<R: BufRead>(mut input: R) -> Result<Layout, ReadError> {
    let delimiter = delimiter_of(&mut input)?;
    let mut reader = reader(input, delimiter);
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
                        return Err(CsvError::at(line, NOT_UTF8).into());
                    }
                }
            }
            Err(e) => return Err(csv_error(e, 0)),
        }
    }
    Ok(layout)
}

/// The delimiter the first line uses, as far as the input's buffer holds it.
fn delimiter_of(input: &mut impl BufRead) -> std::io::Result<u8> {
    let buf = input.fill_buf()?;
    let end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
    Ok(detect_delimiter(&buf[..end]))
}
