//! One CSV record → an [`ImportRow`] or the reason it is rejected.

use std::collections::BTreeMap;

use bote_domain::{GroupCode, PhoneNumber, Region};
use bote_store::{BOTH_NUMBERS, ImportRow, RejectedRow};

use super::layout::{Column, Layout};
use crate::contact_input::{MAX_FIELD_VALUE_CHARS, MAX_NAME_CHARS, is_field_name};

pub fn parse_row(
    layout: &Layout,
    line: u64,
    record: &csv::StringRecord,
    region: Region,
) -> Result<ImportRow, RejectedRow> {
    let mut row = ImportRow {
        line,
        ..Default::default()
    };
    let at = |field: &str| {
        let field = field.to_owned();
        move |reason| RejectedRow {
            line,
            field,
            reason,
        }
    };
    for (column, raw) in layout.columns.iter().zip(record.iter()) {
        let value = raw.trim();
        if value.is_empty() {
            continue;
        }
        match column {
            Column::FirstName => {
                row.first_name = Some(name("first_name", value).map_err(at("first_name"))?)
            }
            Column::LastName => {
                row.last_name = Some(name("last_name", value).map_err(at("last_name"))?)
            }
            Column::SmsNumber => {
                row.sms_number =
                    Some(number("sms_number", value, region).map_err(at("sms_number"))?)
            }
            Column::WhatsappNumber => {
                row.whatsapp_number =
                    Some(number("whatsapp_number", value, region).map_err(at("whatsapp_number"))?)
            }
            Column::Groups => row.groups = groups(value).map_err(at("groups"))?,
            Column::FieldsJson => row.fields.extend(fields_json(value).map_err(at("fields"))?),
            Column::Field(key) => {
                let value = field_value(key, value).map_err(at(key))?;
                row.fields.insert(key.clone(), value);
            }
            Column::Ignored => {}
        }
    }
    if row.sms_number.is_none() && row.whatsapp_number.is_none() {
        return Err(at(BOTH_NUMBERS)("no sms_number or whatsapp_number".into()));
    }
    Ok(row)
}

fn name(field: &str, value: &str) -> Result<String, String> {
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "{field} is longer than {MAX_NAME_CHARS} characters"
        ));
    }
    Ok(value.to_owned())
}

fn number(field: &str, value: &str, region: Region) -> Result<PhoneNumber, String> {
    PhoneNumber::parse(value, region)
        .map_err(|_| format!("{field} '{value}' is not a valid phone number"))
}

/// Group codes separated by spaces, commas, semicolons or `|`.
fn groups(value: &str) -> Result<Vec<GroupCode>, String> {
    let mut codes: Vec<GroupCode> = value
        .split([' ', ',', ';', '|'])
        .filter(|s| !s.is_empty())
        .map(|s| GroupCode::parse(s).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    codes.sort();
    codes.dedup();
    Ok(codes)
}

fn field_value(key: &str, value: &str) -> Result<String, String> {
    if value.chars().count() > MAX_FIELD_VALUE_CHARS {
        return Err(format!(
            "custom field '{key}' is longer than {MAX_FIELD_VALUE_CHARS} characters"
        ));
    }
    Ok(value.to_owned())
}

fn fields_json(value: &str) -> Result<BTreeMap<String, String>, String> {
    let map: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(value).map_err(|e| format!("fields is not a JSON object: {e}"))?;
    map.into_iter()
        .map(|(k, v)| {
            if !is_field_name(&k) {
                return Err(format!(
                    "custom field name '{k}' may contain only letters, digits and '_'"
                ));
            }
            let text = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            Ok((k.clone(), field_value(&k, &text)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout::from_headers(
            &[
                "first_name",
                "sms_number",
                "whatsapp_number",
                "groups",
                "plz",
                "fields",
            ],
            b',',
        )
        .unwrap()
    }

    fn rec(cells: &[&str]) -> csv::StringRecord {
        csv::StringRecord::from(cells.to_vec())
    }

    #[test]
    fn parses_a_full_row() {
        let row = parse_row(
            &layout(),
            2,
            &rec(&[
                "Max",
                "0676 1234567",
                "",
                "news, VIP;news",
                "1010",
                r#"{"tier":"gold","n":3}"#,
            ]),
            Region::AUSTRIA,
        )
        .unwrap();
        assert_eq!(row.line, 2);
        assert_eq!(row.first_name.as_deref(), Some("Max"));
        assert_eq!(row.sms_number.unwrap().as_str(), "+436761234567");
        assert_eq!(row.whatsapp_number, None);
        assert_eq!(
            row.groups.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
            ["NEWS", "VIP"]
        );
        assert_eq!(row.fields["plz"], "1010");
        assert_eq!(row.fields["tier"], "gold");
        assert_eq!(row.fields["n"], "3");
    }

    #[test]
    fn rejects_with_the_field_and_a_reason() {
        let l = layout();
        let reject = |cells: &[&str]| parse_row(&l, 3, &rec(cells), Region::AUSTRIA).unwrap_err();
        let e = reject(&["Max", "12x", "", "", "", ""]);
        assert_eq!((e.line, e.field.as_str()), (3, "sms_number"));
        assert_eq!(e.reason, "sms_number '12x' is not a valid phone number");
        let e = reject(&["Max", "", "", "", "", ""]);
        assert_eq!(e.field, BOTH_NUMBERS);
        assert_eq!(e.reason, "no sms_number or whatsapp_number");
        let e = reject(&["", "0676 1234567", "", "a b!", "", ""]);
        assert_eq!(e.field, "groups");
        assert!(e.reason.contains("b!"), "{}", e.reason);
        let e = reject(&["", "0676 1234567", "", "", &"x".repeat(1001), ""]);
        assert_eq!(e.field, "plz", "a custom field is named by its column");
        let e = reject(&["", "0676 1234567", "", "", "", "[1]"]);
        assert_eq!(e.field, "fields");
        assert!(
            e.reason.starts_with("fields is not a JSON object"),
            "{}",
            e.reason
        );
    }
}
