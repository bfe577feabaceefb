//! Turning sqlx errors into [`StoreError`]s: unique keys become `Conflict`, the rest `Backend`.

use bote_store::{StoreError, StoreResult};
use sqlx::error::ErrorKind;

/// `.db()` on a sqlx result: any failure is a back-end error.
pub(crate) trait DbResultExt<T> {
    fn db(self) -> StoreResult<T>;
}

impl<T> DbResultExt<T> for Result<T, sqlx::Error> {
    fn db(self) -> StoreResult<T> {
        self.map_err(backend)
    }
}

pub(crate) fn backend(err: sqlx::Error) -> StoreError {
    StoreError::Backend(anyhow::Error::new(err))
}

/// A unique key a write can run into, and how to report it.
pub(crate) struct UniqueKey<'a> {
    /// `table.column` as SQLite names it in "UNIQUE constraint failed: …".
    pub column: &'static str,
    pub what: &'static str,
    pub value: &'a str,
}

/// `Conflict` for the first of `keys` that `err` violates; `Backend` for anything else.
pub(crate) fn conflict(err: sqlx::Error, keys: &[UniqueKey<'_>]) -> StoreError {
    if let sqlx::Error::Database(db) = &err
        && db.kind() == ErrorKind::UniqueViolation
    {
        let message = db.message();
        if let Some(key) = keys.iter().find(|key| names_column(message, key.column)) {
            return StoreError::Conflict {
                what: key.what,
                value: key.value.to_owned(),
            };
        }
    }
    backend(err)
}

/// Whether `err` is a foreign key violation, e.g. a row naming a missing account.
pub(crate) fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.kind() == ErrorKind::ForeignKeyViolation)
}

/// Whether SQLite's message lists `column` (`table.column`) among the key's columns.
fn names_column(message: &str, column: &str) -> bool {
    let columns = message.rsplit(':').next().unwrap_or_default();
    columns.split(',').any(|c| c.trim() == column)
}

#[cfg(test)]
mod tests {
    use super::names_column;

    #[test]
    fn columns_are_matched_whole() {
        let msg = "UNIQUE constraint failed: contacts.account_id, contacts.sms_number";
        assert!(names_column(msg, "contacts.sms_number"));
        assert!(names_column(msg, "contacts.account_id"));
        assert!(!names_column(msg, "contacts.whatsapp_number"));
        assert!(!names_column(msg, "contacts.sms"));
    }
}
