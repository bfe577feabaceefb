//! From sqlx errors to [`StoreError`]s: constraint violations are told apart by the
//! constraint names the migrations give them.

use bote_store::StoreError;
use sqlx::error::ErrorKind;
use sqlx::postgres::PgDatabaseError;

/// Any database failure that is not the caller's fault. A request that waited out the
/// pool's acquire timeout for a connection is `Busy` (nothing was done; the API answers 503
/// with `Retry-After`): twenty 50,000-recipient sends accepted at once held every pooled
/// connection for longer than that, and the rest were answered 500.
pub(crate) fn backend(err: sqlx::Error) -> StoreError {
    match err {
        sqlx::Error::PoolTimedOut => StoreError::Busy(format!(
            "no free database connection within {} s",
            crate::ACQUIRE_TIMEOUT.as_secs()
        )),
        err => StoreError::Backend(anyhow::Error::new(err)),
    }
}

/// What a unique constraint (or unique index) keeps unique, as `Conflict::what` names it.
fn unique_what(constraint: &str) -> Option<&'static str> {
    Some(match constraint {
        "accounts_name_key" => "account name",
        "users_username_key" => "username",
        "api_tokens_hash_key" => "token",
        "contacts_sms_number_key" => "sms_number",
        "contacts_whatsapp_number_key" => "whatsapp_number",
        "groups_account_code_key" => "group code",
        "business_numbers_number_key" => "business number",
        "business_numbers_phone_number_id_key" => "phone number id",
        _ => return None,
    })
}

/// The entity a foreign key points at, for rows that name one that does not exist.
fn foreign_key_target(constraint: &str) -> Option<&'static str> {
    Some(match constraint {
        "users_account_fkey"
        | "api_tokens_account_fkey"
        | "contacts_account_fkey"
        | "groups_account_fkey"
        | "business_numbers_account_fkey" => "account",
        "group_members_group_fkey" => "group",
        "group_members_contact_fkey" => "contact",
        _ => return None,
    })
}

/// Maps the error of a write. A unique violation of a known constraint becomes
/// `Conflict { what, value: value_of(what) }`; a row naming a missing parent becomes
/// `NotFound(parent)`; anything else is a back-end error.
pub(crate) fn write_error(
    err: sqlx::Error,
    value_of: impl FnOnce(&'static str) -> String,
) -> StoreError {
    if let Some(db) = err.as_database_error() {
        let constraint = db.constraint().unwrap_or_default();
        match db.kind() {
            ErrorKind::UniqueViolation => {
                if let Some(what) = unique_what(constraint) {
                    return StoreError::Conflict {
                        what,
                        value: value_of(what),
                    };
                }
            }
            ErrorKind::ForeignKeyViolation => {
                if let Some(target) = foreign_key_target(constraint) {
                    return StoreError::NotFound(target);
                }
            }
            _ => {}
        }
    }
    backend(err)
}

/// Like [`write_error`], for statements over many rows: the conflicting value is read from
/// PostgreSQL's detail, `Key (account_id, sms_number)=(1, +436761234567) already exists.`
pub(crate) fn write_error_detailed(err: sqlx::Error) -> StoreError {
    let value = err
        .as_database_error()
        .and_then(|db| db.try_downcast_ref::<PgDatabaseError>())
        .and_then(PgDatabaseError::detail)
        .and_then(last_key_value)
        .unwrap_or_default();
    write_error(err, |_| value)
}

fn last_key_value(detail: &str) -> Option<String> {
    let (_, values) = detail.split_once(")=(")?;
    let (values, _) = values.rsplit_once(')')?;
    values.rsplit(", ").next().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_timeout_is_busy_not_a_failure() {
        assert!(matches!(
            backend(sqlx::Error::PoolTimedOut),
            StoreError::Busy(_)
        ));
        assert!(matches!(
            backend(sqlx::Error::RowNotFound),
            StoreError::Backend(_)
        ));
    }

    /// The names must match `migrations/`; a typo would turn conflicts into 500s.
    #[test]
    fn every_named_constraint_exists_in_the_migrations() {
        let schema = include_str!("../migrations/0001_foundation.sql");
        for name in [
            "accounts_name_key",
            "users_username_key",
            "api_tokens_hash_key",
            "contacts_sms_number_key",
            "contacts_whatsapp_number_key",
            "groups_account_code_key",
            "users_account_fkey",
            "api_tokens_account_fkey",
            "contacts_account_fkey",
            "groups_account_fkey",
            "group_members_group_fkey",
            "group_members_contact_fkey",
        ] {
            assert!(schema.contains(name), "{name} is not in the schema");
            assert!(unique_what(name).or(foreign_key_target(name)).is_some());
        }
    }

    #[test]
    fn conflicting_values_are_read_from_the_detail() {
        assert_eq!(
            last_key_value("Key (account_id, sms_number)=(1, +436761234567) already exists.")
                .as_deref(),
            Some("+436761234567")
        );
        assert_eq!(last_key_value("something else"), None);
    }
}
