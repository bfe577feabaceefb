//! Phone numbers as people and clients write them.

use bote_domain::{PhoneNumber, Region};

/// Parsing never panics, and a parsed number is canonical.
pub fn parse(data: &[u8]) {
    let Some(s) = crate::text(data) else { return };
    if let Ok(number) = PhoneNumber::parse(s, Region::AUSTRIA) {
        assert_canonical(&number);
    }
}

/// E.164 (`+` and digits) that parses to itself: what every parser hands on past the edge.
pub(crate) fn assert_canonical(number: &PhoneNumber) {
    let e164 = number.as_str();
    assert!(e164.starts_with('+'), "{e164:?} is not E.164");
    assert!(e164[1..].bytes().all(|b| b.is_ascii_digit()), "{e164:?}");
    let again = PhoneNumber::parse(e164, Region::AUSTRIA).expect("E.164 parses");
    assert_eq!(&again, number);
}
