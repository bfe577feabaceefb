//! SMS encoding: any text bote accepts must split into parts that decode back to it.

use bote_domain::sms::segments::{ConcatRef, MAX_PARTS, analyze, split};
use bote_domain::sms::{SmsEncoding, gsm7, ucs2};

/// Splitting never panics; the parts decode back to the text, none exceeds its capacity,
/// and there are as many as `analyze` counted (what the customer is charged for).
pub fn encoding(data: &[u8]) {
    let Some(text) = crate::text(data) else {
        return;
    };
    for concat in [ConcatRef::Bits8, ConcatRef::Bits16] {
        let info = analyze(text, concat);
        let Ok(parts) = split(text, concat) else {
            assert!(info.segments > MAX_PARTS);
            continue;
        };
        assert_eq!(parts.len(), info.segments, "part count for {text:?}");
        let mut joined = String::new();
        for part in &parts {
            assert!(part.units <= info.part_capacity, "a part over capacity");
            let decoded = match part.encoding {
                SmsEncoding::Gsm7 => gsm7::decode_unpacked(&part.payload),
                SmsEncoding::Ucs2 => ucs2::decode(&part.payload),
            };
            joined.push_str(&decoded.expect("a part bote wrote decodes"));
        }
        assert_eq!(joined, text, "round trip");
    }
}

/// Packing septets into octets and unpacking them gives the septets back.
pub fn packing(data: &[u8]) {
    let septets: Vec<u8> = data.iter().map(|b| b & 0x7F).collect();
    let packed = gsm7::pack(&septets);
    assert_eq!(packed.len(), (septets.len() * 7).div_ceil(8));
    let unpacked = gsm7::unpack(&packed, septets.len()).expect("packed septets unpack");
    assert_eq!(unpacked, septets);
    // Unpacking arbitrary octets never panics.
    let _ = gsm7::unpack(data, data.len() * 8 / 7 + 1);
}
