//! Contact CSV files, read in two passes so that a broken file is refused before anything
//! is written: [`check_structure`] reads the whole file and yields its [`Layout`], then
//! [`Rows`] gives each data row's verdict. Writing the rows to a store is the server's part.

mod error;
mod layout;
mod reader;
mod row;
mod rows;
mod structure;

pub use error::{CsvError, ReadError};
pub use layout::{Column, Layout};
pub use rows::{Rows, Verdict};
pub use structure::check_structure;

#[cfg(test)]
mod proptests;
