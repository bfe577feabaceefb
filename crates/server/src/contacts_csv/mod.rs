//! Contact CSV import and export, streamed: shared by the CLI and the API.

mod export;
mod import;
mod layout;
mod row;

pub use export::{EXPORT_HEADER, export_stream};
pub use import::{
    CsvError, ImportError, ImportReport, MAX_REPORTED_REJECTS, Progress, import_file, spool,
};
pub use layout::Layout;
