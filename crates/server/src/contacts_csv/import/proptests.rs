//! Hostile CSV files: a header of real and unknown columns over rows of any text (quotes,
//! delimiters, line breaks, invalid UTF-8), and arbitrary bytes. Pass one accepts the file
//! or names the line that is wrong; for an accepted file, pass two never fails or panics and
//! gives every data row exactly one verdict — imported or rejected with a reason — in order.

use std::io::Write;

use bote_domain::Region;
use proptest::prelude::*;
use tokio::sync::mpsc;

use super::{ImportError, check_structure, parse_batches};

const COLUMNS: [&str; 9] = [
    "first_name",
    "last_name",
    "sms_number",
    "whatsapp_number",
    "groups",
    "kundennr",
    "Vorname",
    "",
    "\"quoted, column\"",
];

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-zäöüß ]{0,12}",
        "(\\+43|0)?6[0-9]{2} ?[0-9]{3,8}",
        "[A-Z]{1,6}(;[A-Z]{1,6}){0,2}",
        "\"[^\"]{0,10}\"",
        ".{0,16}",
        Just("\"unclosed".to_owned()),
        Just("a\"b".to_owned()),
    ]
}

fn file() -> impl Strategy<Value = Vec<u8>> {
    let delimiter = prop::sample::select(vec![',', ';', '\t']);
    (
        delimiter,
        prop::collection::vec(prop::sample::select(COLUMNS.to_vec()), 0..6),
    )
        .prop_flat_map(|(d, header)| {
            let width = header.len().max(1);
            let row = prop::collection::vec(cell(), width - 1..width + 2);
            (Just(d), Just(header), prop::collection::vec(row, 0..30))
        })
        .prop_map(|(d, header, rows)| {
            let sep = d.to_string();
            let mut text = header.join(&sep);
            for row in rows {
                text.push_str(if text.len() % 3 == 0 { "\r\n" } else { "\n" });
                text.push_str(&row.join(&sep));
            }
            text.into_bytes()
        })
}

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let mut tmp = tempfile::NamedTempFile::new().unwrap();
    tmp.write_all(bytes).unwrap();
    let path = tmp.path().to_path_buf();
    let layout = match check_structure(&path) {
        Ok(layout) => layout,
        Err(ImportError::Csv(e)) => {
            prop_assert!(e.line >= 1, "{e}");
            prop_assert!(!e.message.is_empty());
            return Ok(());
        }
        Err(other) => return Err(TestCaseError::fail(format!("pass one: {other}"))),
    };
    let (tx, mut rx) = mpsc::channel(1_024);
    let parsed = parse_batches(&path, &layout, Region::AUSTRIA, tx, None);
    prop_assert!(
        parsed.is_ok(),
        "pass two failed after pass one accepted: {parsed:?}"
    );
    let (mut rows, mut lines) = (0u64, Vec::new());
    while let Ok(batch) = rx.try_recv() {
        rows += batch.rows;
        lines.extend(batch.valid.iter().map(|r| r.line));
        for rejected in &batch.rejected {
            prop_assert!(!rejected.reason.is_empty());
            lines.push(rejected.line);
        }
    }
    prop_assert_eq!(lines.len() as u64, rows, "one verdict per row");
    lines.sort_unstable();
    lines.dedup();
    prop_assert_eq!(lines.len() as u64, rows, "each row once");
    prop_assert!(
        lines.first().is_none_or(|&l| l >= 2),
        "data starts after the header"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn generated_files_are_refused_whole_or_read_row_by_row(bytes in file()) {
        check(&bytes)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check(&bytes)?;
    }
}
