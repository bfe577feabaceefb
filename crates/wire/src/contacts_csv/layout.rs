//! The header line: which column holds what, and which delimiter the file uses.

use super::error::CsvError;
use crate::contact_input::is_field_name;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    FirstName,
    LastName,
    SmsNumber,
    WhatsappNumber,
    Groups,
    /// A JSON object of custom fields, as `contacts export` writes it.
    FieldsJson,
    /// Any other named column becomes a custom field.
    Field(String),
    /// A column with a blank header.
    Ignored,
}

impl Column {
    /// Names, numbers and codes never span lines; custom fields (addresses) may.
    pub fn is_single_line(&self) -> bool {
        !matches!(self, Column::Field(_) | Column::Ignored)
    }
}

impl std::fmt::Display for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Column::FirstName => "first_name",
            Column::LastName => "last_name",
            Column::SmsNumber => "sms_number",
            Column::WhatsappNumber => "whatsapp_number",
            Column::Groups => "groups",
            Column::FieldsJson => "fields",
            Column::Field(name) => name,
            Column::Ignored => "ignored",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub delimiter: u8,
    pub columns: Vec<Column>,
}

/// Picks `,`, `;` or tab, whichever the header line holds most of (spreadsheets in
/// German-speaking countries write `;`).
pub fn detect_delimiter(first_line: &[u8]) -> u8 {
    let count = |d: u8| first_line.iter().filter(|&&b| b == d).count();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&d| (count(d), d == b','))
        .unwrap_or(b',')
}

fn column_for(header: &str) -> Column {
    let key: String = header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    let key = key.trim_matches('_').to_owned();
    match key.as_str() {
        "" => Column::Ignored,
        "first_name" | "firstname" | "vorname" | "given_name" => Column::FirstName,
        "last_name" | "lastname" | "nachname" | "surname" | "family_name" => Column::LastName,
        "sms_number" | "sms" | "mobile" | "mobile_number" | "phone" | "telefon" | "handy"
        | "msisdn" => Column::SmsNumber,
        "whatsapp_number" | "whatsapp" | "wa_number" => Column::WhatsappNumber,
        "groups" | "group" | "gruppen" | "gruppe" => Column::Groups,
        "fields" => Column::FieldsJson,
        other => Column::Field(other.to_owned()),
    }
}

impl Layout {
    pub fn from_headers(headers: &[&str], delimiter: u8) -> Result<Layout, CsvError> {
        let columns: Vec<Column> = headers.iter().map(|h| column_for(h)).collect();
        let has_number = columns
            .iter()
            .any(|c| matches!(c, Column::SmsNumber | Column::WhatsappNumber));
        if !has_number {
            return Err(CsvError::at(
                1,
                "missing header: the first line must name the columns, among them sms_number or \
                 whatsapp_number (also: first_name, last_name, groups)",
            ));
        }
        for (i, c) in columns.iter().enumerate() {
            if *c != Column::Ignored && columns[..i].contains(c) {
                return Err(CsvError::at(
                    1,
                    format!("column '{}' appears twice in the header", headers[i].trim()),
                ));
            }
            if let Column::Field(name) = c
                && !is_field_name(name)
            {
                return Err(CsvError::at(
                    1,
                    format!(
                        "column '{}' cannot be a custom field name",
                        headers[i].trim()
                    ),
                ));
            }
        }
        Ok(Layout { delimiter, columns })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_known_and_custom_columns() {
        let l = Layout::from_headers(
            &[
                "\u{feff}Vorname",
                "Last Name",
                "Handy",
                "WhatsApp",
                "groups",
                "Kundennummer",
                "",
            ],
            b',',
        )
        .unwrap();
        assert_eq!(
            l.columns,
            vec![
                Column::FirstName,
                Column::LastName,
                Column::SmsNumber,
                Column::WhatsappNumber,
                Column::Groups,
                Column::Field("kundennummer".into()),
                Column::Ignored
            ]
        );
    }

    #[test]
    fn refuses_headers_without_numbers_or_with_repeats() {
        let e = Layout::from_headers(&["+436761234567", "Max"], b',').unwrap_err();
        assert!(e.to_string().contains("missing header"), "{e}");
        let e = Layout::from_headers(&["sms", "mobile"], b',').unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
    }

    #[test]
    fn detects_delimiters() {
        assert_eq!(detect_delimiter(b"first_name;last_name;sms_number"), b';');
        assert_eq!(detect_delimiter(b"first_name,last_name"), b',');
        assert_eq!(detect_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter(b"sms_number"), b',');
    }
}
