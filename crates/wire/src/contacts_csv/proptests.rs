//! Hostile CSV files: a header of real and unknown columns over rows of any text (quotes,
//! delimiters, line breaks, invalid UTF-8), and arbitrary bytes. Pass one accepts the file
//! or names the line that is wrong; for an accepted file, pass two never fails or panics and
//! gives every data row exactly one verdict — imported or rejected with a reason — in order.
//! The properties are the fuzz target's (`bote_fuzz_checks::contacts_csv::import`); this
//! generator reaches the file shapes the byte-level fuzzer finds slowly.

use bote_fuzz_checks::contacts_csv::import as check;
use proptest::prelude::*;

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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn generated_files_are_refused_whole_or_read_row_by_row(bytes in file()) {
        check(&bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check(&bytes);
    }
}
