//! Contact CSV files as spreadsheets save them, and as anyone uploads them.

use bote_domain::{GroupCode, Region};
use bote_store::ImportRow;
use bote_wire::contact_input::{MAX_FIELD_VALUE_CHARS, MAX_NAME_CHARS, is_field_name};
use bote_wire::contacts_csv::{Column, ReadError, Rows, check_structure};

use crate::phone::assert_canonical;

/// Pass one refuses a file with the line that is wrong, or accepts it with a layout that
/// has a number column. Pass two then reads an accepted file to its end without an error
/// and gives each data row one verdict, in order, each on its own line after the header:
/// accepted (checked by `accepted`) or rejected with a reason. Accepted and rejected
/// rows add up to the file's data rows.
pub fn import(data: &[u8]) {
    let layout = match check_structure(data) {
        Ok(layout) => layout,
        Err(ReadError::Csv(e)) => {
            assert!(e.line >= 1, "{e}");
            assert!(!e.message.is_empty());
            return;
        }
        Err(ReadError::Io(e)) => panic!("reading bytes in memory failed: {e}"),
    };
    assert!(
        layout
            .columns
            .iter()
            .any(|c| matches!(c, Column::SmsNumber | Column::WhatsappNumber))
    );
    let data_rows = csv::ReaderBuilder::new()
        .delimiter(layout.delimiter)
        .from_reader(data)
        .byte_records()
        .count();
    let mut lines = Vec::new();
    for verdict in Rows::new(data, layout, Region::AUSTRIA) {
        match verdict.expect("pass two reads what pass one accepted") {
            Ok(row) => {
                accepted(&row);
                lines.push(row.line);
            }
            Err(rejected) => {
                assert!(!rejected.reason.is_empty(), "line {}", rejected.line);
                assert!(
                    !rejected.field.is_empty(),
                    "line {} names no field",
                    rejected.line
                );
                lines.push(rejected.line);
            }
        }
    }
    assert_eq!(lines.len(), data_rows, "one verdict per data row");
    assert!(
        lines.first().is_none_or(|&l| l >= 2),
        "data starts after the header"
    );
    assert!(
        lines.is_sorted_by(|a, b| a < b),
        "each row on a later line: {lines:?}"
    );
}

/// An accepted row has a number, and every number is canonical; names are trimmed, not
/// blank and within [`MAX_NAME_CHARS`]; groups are valid codes, sorted, each once; custom
/// fields have valid names and values within [`MAX_FIELD_VALUE_CHARS`].
fn accepted(row: &ImportRow) {
    assert!(row.sms_number.is_some() || row.whatsapp_number.is_some());
    [&row.sms_number, &row.whatsapp_number]
        .into_iter()
        .flatten()
        .for_each(assert_canonical);
    for name in [&row.first_name, &row.last_name].into_iter().flatten() {
        assert!(!name.is_empty() && name.trim() == name, "{name:?}");
        assert!(name.chars().count() <= MAX_NAME_CHARS);
    }
    for group in &row.groups {
        assert_eq!(GroupCode::parse(group.as_str()).as_ref(), Ok(group));
    }
    assert!(row.groups.is_sorted_by(|a, b| a < b), "{:?}", row.groups);
    for (key, value) in &row.fields {
        assert!(is_field_name(key), "{key:?}");
        assert!(value.chars().count() <= MAX_FIELD_VALUE_CHARS, "{key}");
    }
}
