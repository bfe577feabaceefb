//! Pass two: every data row of a file pass one accepted becomes an [`ImportRow`] or a
//! [`RejectedRow`] with its reason, in file order, one at a time so memory stays bounded
//! whatever the file's size.

use std::io::Read;

use bote_domain::Region;
use bote_store::{ImportRow, RejectedRow};

use super::error::ReadError;
use super::layout::Layout;
use super::reader::{csv_error, reader};
use super::row::parse_row;

/// One data row: imported, or rejected with its line and reason.
pub type Verdict = Result<ImportRow, RejectedRow>;

/// The data rows of a file, each with its line number (the header is line 1).
pub struct Rows<R> {
    records: csv::StringRecordsIntoIter<R>,
    layout: Layout,
    region: Region,
    /// Line and first byte of the row read last.
    line: u64,
    offset: u64,
}

impl<R: Read> Rows<R> {
    pub fn new(input: R, layout: Layout, region: Region) -> Self {
        let records = reader(input, layout.delimiter).into_records();
        Self {
            records,
            layout,
            region,
            line: 1,
            offset: 0,
        }
    }

    /// Where the row read last starts, in bytes from the start of the file.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// How far the file has been read, in bytes.
    pub fn bytes_read(&self) -> u64 {
        self.records.reader().position().byte().max(self.offset)
    }
}

impl<R: Read> Iterator for Rows<R> {
    type Item = Result<Verdict, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let record = match self.records.next()? {
            Ok(record) => record,
            Err(e) => return Some(Err(csv_error(e, self.line + 1))),
        };
        let (line, offset) = record
            .position()
            .map(|p| (p.line(), p.byte()))
            .unwrap_or((0, self.offset));
        // The reader counts lines by `\n`, so rows ended by a bare `\r` (old Mac "CSV
        // (Macintosh)" files) would all share one line number; each row is at least one
        // line after the one before.
        self.line = line.max(self.line + 1);
        self.offset = offset;
        let line = self.line;
        Some(Ok(parse_row(&self.layout, line, &record, self.region)))
    }
}
