//! Parsing request values into domain types, with errors that name the field and value.

use std::collections::BTreeMap;

use bote_domain::{GroupCode, PhoneError, PhoneNumber, Region};
pub use bote_wire::contact_input::{
    MAX_FIELD_VALUE_CHARS, MAX_FIELDS, MAX_NAME_CHARS, is_field_name,
};
use chrono_tz::Tz;

use super::ApiError;

/// `None` for an absent or blank number.
pub fn phone(
    field: &str,
    raw: Option<&str>,
    region: Region,
) -> Result<Option<PhoneNumber>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    PhoneNumber::parse(raw, region).map(Some).map_err(|e| {
        let message = match e {
            PhoneError::Invalid(v) => format!("{field}: '{v}' is not a valid phone number"),
            other => format!("{field}: {other}"),
        };
        ApiError::invalid(field, "invalid_number", message)
    })
}

/// An IANA time zone (`Europe/Vienna`); absent or blank is `None`, the server's default.
pub fn time_zone(field: &str, raw: Option<&str>) -> Result<Option<Tz>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    crate::sending::parse_time_zone(raw)
        .map(Some)
        .map_err(|e| ApiError::invalid(field, "invalid_time_zone", format!("{field}: {e}")))
}

/// A trimmed name; blank is `None`.
pub fn name(field: &str, raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(value) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::invalid(
            field,
            "too_long",
            format!("{field} is longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(Some(value.to_owned()))
}

pub fn group_code(field: &str, raw: &str) -> Result<GroupCode, ApiError> {
    GroupCode::parse(raw)
        .map_err(|e| ApiError::invalid(field, "invalid_group_code", format!("{field}: {e}")))
}

pub fn group_codes(field: &str, raw: &[String]) -> Result<Vec<GroupCode>, ApiError> {
    raw.iter()
        .enumerate()
        .map(|(i, code)| group_code(&format!("{field}[{i}]"), code))
        .collect()
}

pub fn fields(raw: BTreeMap<String, String>) -> Result<BTreeMap<String, String>, ApiError> {
    if raw.len() > MAX_FIELDS {
        return Err(ApiError::invalid(
            "fields",
            "too_many_fields",
            format!("at most {MAX_FIELDS} custom fields"),
        ));
    }
    for (key, value) in &raw {
        if !is_field_name(key) {
            return Err(ApiError::invalid(
                &format!("fields.{key}"),
                "invalid_field_name",
                format!(
                    "custom field name '{key}' may contain only letters, digits and '_' (at most 64)"
                ),
            ));
        }
        if value.chars().count() > MAX_FIELD_VALUE_CHARS {
            return Err(ApiError::invalid(
                &format!("fields.{key}"),
                "too_long",
                format!("custom field '{key}' is longer than {MAX_FIELD_VALUE_CHARS} characters"),
            ));
        }
    }
    Ok(raw)
}

/// Deserialises a field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Option::<T>::deserialize(d).map(Some)
}
