//! Phone numbers as people and clients write them.

use bote_domain::{PhoneNumber, Region};

/// Parsing never panics, and a parsed number is canonical: E.164 that parses to itself.
pub fn parse(data: &[u8]) {
    let Some(s) = crate::text(data) else { return };
    let Ok(number) = PhoneNumber::parse(s, Region::AUSTRIA) else {
        return;
    };
    let e164 = number.as_str();
    assert!(e164.starts_with('+'), "{e164:?} is not E.164");
    assert!(e164[1..].bytes().all(|b| b.is_ascii_digit()), "{e164:?}");
    let again = PhoneNumber::parse(e164, Region::AUSTRIA).expect("E.164 parses");
    assert_eq!(again, number);
}
