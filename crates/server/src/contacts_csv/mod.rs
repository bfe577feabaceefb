//! Contact CSV import and export, streamed: shared by the CLI and the API. Files are read
//! and rows parsed by `bote_wire::contacts_csv`.

mod export;
mod import;

pub use bote_wire::contacts_csv::Layout;
pub use export::{EXPORT_HEADER, export_stream};
pub use import::{
    CsvError, ImportError, ImportReport, MAX_REPORTED_REJECTS, Progress, import_file, spool,
};
