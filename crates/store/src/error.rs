use thiserror::Error;

/// What can go wrong in a store, in terms the API can map to a status and a stable code.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The row does not exist in this account (or at all: the two are not told apart).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique value is taken, e.g. `what = "sms_number"`, `value = "+436761234567"`.
    #[error("{what} '{value}' is already taken")]
    Conflict { what: &'static str, value: String },
    /// The request names something that does not exist, e.g. an unknown group code.
    #[error("unknown {what} '{value}'")]
    Unknown { what: &'static str, value: String },
    /// The database is too busy to take this write now (SQLite: the queue for its one
    /// writer was longer than the wait allowed); trying again later may succeed.
    #[error("the database is busy: {0}")]
    Busy(String),
    /// The database failed; the cause is logged, never shown to a client.
    #[error("database error: {0:#}")]
    Backend(#[from] anyhow::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;
