//! Limits on contact data, however it arrives (JSON API, CSV import).

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_FIELDS: usize = 50;
pub const MAX_FIELD_VALUE_CHARS: usize = 1000;

/// A custom field name: letters, digits and `_`, so it works as a `{{placeholder}}`.
pub fn is_field_name(key: &str) -> bool {
    !key.is_empty() && key.len() <= 64 && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}
