//! How many SMS a text costs, and the payload of each part (TS 23.040 §9.2.3.24.1).

use serde::{Deserialize, Serialize};

use super::{SmsEncoding, gsm7, ucs2};

/// The most parts a concatenated SMS can have (the counters are one octet).
pub const MAX_PARTS: usize = 255;

/// The concatenation reference a channel uses, which decides the header size and
/// so the capacity of each part. With SMPP's SAR TLVs the SMSC writes the header;
/// `sar_msg_ref_num` is 16 bits, so `Bits16` is the safe assumption there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConcatRef {
    /// IEI 0x00, 6-byte UDH: 153 septets / 67 UCS-2 units per part.
    #[default]
    Bits8,
    /// IEI 0x08, 7-byte UDH: 152 septets / 66 UCS-2 units per part.
    Bits16,
}

/// The character that forces UCS-2, for pointing at it in a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ucs2Trigger {
    pub ch: char,
    /// Index in `char`s. Every character before it is in the GSM table and so in
    /// the BMP: this is also its UTF-16 index.
    pub char_index: usize,
}

/// What a text costs as SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SmsInfo {
    pub encoding: SmsEncoding,
    /// Unicode scalar values.
    pub chars: usize,
    /// Septets (GSM-7, extension characters count 2) or UTF-16 code units (UCS-2).
    pub units: usize,
    /// Parts needed; 1 for the empty text.
    pub segments: usize,
    /// Units one part holds: 160 / 70 for a single SMS, else 153 / 67 or 152 / 66.
    pub part_capacity: usize,
    /// Units still free in the last part.
    pub remaining: usize,
    /// For UCS-2: the first character outside the GSM tables.
    pub ucs2_trigger: Option<Ucs2Trigger>,
}

/// One part of a message, without its UDH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub encoding: SmsEncoding,
    /// GSM-7: unpacked septets, one per octet, ESC before extension codes.
    /// UCS-2: UTF-16BE bytes.
    pub payload: Vec<u8>,
    /// Septets or UTF-16 units in `payload`.
    pub units: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("message needs {parts} parts, more than the {MAX_PARTS} that concatenation allows")]
    TooManyParts { parts: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("message needs {segments} SMS segments, more than the allowed maximum of {max}")]
pub struct SegmentLimitExceeded {
    pub segments: usize,
    pub max: usize,
}

/// Units `c` costs in `encoding`; `c` must be encodable in it.
fn units_of(c: char, encoding: SmsEncoding) -> usize {
    match encoding {
        SmsEncoding::Gsm7 => gsm7::septet_len(c).expect("GSM-7 is chosen only for GSM text"),
        SmsEncoding::Ucs2 => ucs2::unit_len(c),
    }
}

fn push_char(c: char, encoding: SmsEncoding, out: &mut Vec<u8>) {
    match encoding {
        SmsEncoding::Gsm7 => gsm7::encode_char(c)
            .expect("GSM-7 is chosen only for GSM text")
            .push_into(out),
        SmsEncoding::Ucs2 => ucs2::push_char(c, out),
    }
}

/// Encoding, size and part count of `text`. Never fails: an empty text is one
/// segment of 0 units, and a text over 255 parts reports its true count.
pub fn analyze(text: &str, concat: ConcatRef) -> SmsInfo {
    let ucs2_trigger =
        gsm7::first_unencodable(text).map(|(char_index, ch)| Ucs2Trigger { ch, char_index });
    let encoding = match ucs2_trigger {
        Some(_) => SmsEncoding::Ucs2,
        None => SmsEncoding::Gsm7,
    };
    let costs = || text.chars().map(move |c| units_of(c, encoding));
    let units: usize = costs().sum();
    let single = encoding.single_capacity();
    let (segments, part_capacity, last_used) = if units <= single {
        (1, single, units)
    } else {
        // Greedy fill: a character (escape pair, surrogate pair) that does not fit
        // whole goes to the next part, exactly as `split` does.
        let capacity = encoding.part_capacity(concat);
        let (mut parts, mut used) = (1, 0);
        for cost in costs() {
            if used + cost > capacity {
                parts += 1;
                used = 0;
            }
            used += cost;
        }
        (parts, capacity, used)
    };
    SmsInfo {
        encoding,
        chars: text.chars().count(),
        units,
        segments,
        part_capacity,
        remaining: part_capacity - last_used,
        ucs2_trigger,
    }
}

/// Splits `text` into the payloads of its parts. Neither an escape pair nor a
/// surrogate pair is ever cut, so a part may hold one unit less than its capacity.
/// More than one part means each needs a concatenation UDH (or SAR TLVs).
pub fn split(text: &str, concat: ConcatRef) -> Result<Vec<Segment>, SplitError> {
    let info = analyze(text, concat);
    if info.segments > MAX_PARTS {
        return Err(SplitError::TooManyParts {
            parts: info.segments,
        });
    }
    let encoding = info.encoding;
    let empty = || Segment {
        encoding,
        payload: Vec::new(),
        units: 0,
    };
    let mut parts = Vec::with_capacity(info.segments);
    let mut current = empty();
    for c in text.chars() {
        let cost = units_of(c, encoding);
        if current.units + cost > info.part_capacity {
            parts.push(std::mem::replace(&mut current, empty()));
        }
        push_char(c, encoding, &mut current.payload);
        current.units += cost;
    }
    parts.push(current);
    debug_assert_eq!(parts.len(), info.segments);
    Ok(parts)
}

/// Fails when a message needs more segments than a configured maximum.
pub fn check_max_segments(info: &SmsInfo, max: usize) -> Result<(), SegmentLimitExceeded> {
    if info.segments > max {
        Err(SegmentLimitExceeded {
            segments: info.segments,
            max,
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const B8: ConcatRef = ConcatRef::Bits8;
    const B16: ConcatRef = ConcatRef::Bits16;

    fn units(parts: &[Segment]) -> Vec<usize> {
        parts.iter().map(|p| p.units).collect()
    }

    fn decode(part: &Segment) -> String {
        match part.encoding {
            SmsEncoding::Gsm7 => gsm7::decode_unpacked(&part.payload).unwrap(),
            SmsEncoding::Ucs2 => ucs2::decode(&part.payload).unwrap(),
        }
    }

    #[test]
    fn gsm_single_and_two_parts() {
        let info = analyze(&"a".repeat(160), B8);
        assert_eq!(info.encoding, SmsEncoding::Gsm7);
        assert_eq!(
            (info.units, info.segments, info.part_capacity),
            (160, 1, 160)
        );
        assert_eq!(info.remaining, 0);

        let text = "a".repeat(161);
        let info = analyze(&text, B8);
        assert_eq!(
            (info.units, info.segments, info.part_capacity),
            (161, 2, 153)
        );
        assert_eq!(info.remaining, 145);
        assert_eq!(units(&split(&text, B8).unwrap()), vec![153, 8]);
    }

    #[test]
    fn ucs2_single_and_two_parts() {
        let info = analyze(&"ж".repeat(70), B8);
        assert_eq!(info.encoding, SmsEncoding::Ucs2);
        assert_eq!((info.units, info.segments, info.remaining), (70, 1, 0));

        let text = "ж".repeat(71);
        let info = analyze(&text, B8);
        assert_eq!(
            (info.segments, info.part_capacity, info.remaining),
            (2, 67, 63)
        );
        let parts = split(&text, B8).unwrap();
        assert_eq!(units(&parts), vec![67, 4]);
        assert_eq!(parts[0].payload.len(), 134);
        assert_eq!(&parts[1].payload[..2], &[0x04, 0x36]);
    }

    #[test]
    fn euro_signs_cost_two_septets() {
        let info = analyze(&"€".repeat(80), B8);
        assert_eq!((info.chars, info.units, info.segments), (80, 160, 1));
        assert_eq!(info.encoding, SmsEncoding::Gsm7);
        let info = analyze(&"€".repeat(81), B8);
        assert_eq!((info.units, info.segments, info.remaining), (162, 2, 143));
        assert_eq!(units(&split(&"€".repeat(81), B8).unwrap()), vec![152, 10]);
    }

    #[test]
    fn escape_pair_is_never_split() {
        // The ESC would be septet 153 and its code septet 154.
        let text = format!("{}€{}", "a".repeat(152), "b".repeat(10));
        let parts = split(&text, B8).unwrap();
        assert_eq!(units(&parts), vec![152, 12]);
        assert_eq!(parts[0].payload, vec![0x61; 152]);
        assert_eq!(&parts[1].payload[..3], &[gsm7::ESC, 0x65, 0x62]);
        let info = analyze(&text, B8);
        assert_eq!((info.units, info.segments, info.remaining), (164, 2, 141));
    }

    #[test]
    fn surrogate_pair_is_never_split() {
        // The emoji would take units 67 and 68.
        let text = format!("{}😀{}", "ж".repeat(66), "ж".repeat(5));
        let parts = split(&text, B8).unwrap();
        assert_eq!(units(&parts), vec![66, 7]);
        assert_eq!(&parts[1].payload[..4], &[0xD8, 0x3D, 0xDE, 0x00]);
        assert_eq!(decode(&parts[1]), format!("😀{}", "ж".repeat(5)));
        // Fits exactly when it ends on unit 67.
        let text = format!("{}😀{}", "ж".repeat(65), "ж".repeat(5));
        assert_eq!(units(&split(&text, B8).unwrap()), vec![67, 5]);
    }

    #[test]
    fn first_non_gsm_char_is_named() {
        let info = analyze("Hallo François, 10€", B8);
        assert_eq!(info.encoding, SmsEncoding::Ucs2);
        let trigger = info.ucs2_trigger.unwrap();
        assert_eq!((trigger.ch, trigger.char_index), ('ç', 10));
        assert_eq!(info.units, 19);
        assert_eq!(analyze("Ça va, Grüße!", B8).ucs2_trigger, None);
        let info = analyze("Hi 😀", B8);
        assert_eq!((info.chars, info.units, info.remaining), (4, 5, 65));
        assert_eq!(info.ucs2_trigger.map(|t| t.char_index), Some(3));
        let info = analyze("Hallo François, 10€", B8);
        let json = serde_json::to_value(info).unwrap();
        assert_eq!(json["encoding"], "ucs2");
        assert_eq!(json["ucs2_trigger"]["ch"], "ç");
        assert_eq!(json["ucs2_trigger"]["char_index"], 10);
    }

    #[test]
    fn sixteen_bit_reference_sizes() {
        let parts = split(&"a".repeat(161), B16).unwrap();
        assert_eq!(units(&parts), vec![152, 9]);
        assert_eq!(analyze(&"a".repeat(161), B16).part_capacity, 152);
        let parts = split(&"ж".repeat(71), B16).unwrap();
        assert_eq!(units(&parts), vec![66, 5]);
        // Single-part sizes do not depend on the reference.
        assert_eq!(analyze(&"a".repeat(160), B16).segments, 1);
        assert_eq!(analyze(&"ж".repeat(70), B16).segments, 1);
    }

    #[test]
    fn at_most_255_parts() {
        let text = "a".repeat(153 * 255);
        assert_eq!(split(&text, B8).unwrap().len(), 255);
        let text = "a".repeat(153 * 255 + 1);
        assert_eq!(analyze(&text, B8).segments, 256);
        let err = split(&text, B8).unwrap_err();
        assert_eq!(err, SplitError::TooManyParts { parts: 256 });
        assert!(err.to_string().contains("256") && err.to_string().contains("255"));
        assert_eq!(split(&"ж".repeat(66 * 255), B16).unwrap().len(), 255);
        assert!(split(&"ж".repeat(66 * 255 + 1), B16).is_err());
    }

    #[test]
    fn empty_text_is_one_empty_segment() {
        let info = analyze("", B8);
        assert_eq!(info.encoding, SmsEncoding::Gsm7);
        assert_eq!((info.chars, info.units, info.segments), (0, 0, 1));
        assert_eq!(info.remaining, 160);
        let parts = split("", B8).unwrap();
        assert_eq!(parts.len(), 1);
        assert!(parts[0].payload.is_empty());
    }

    #[test]
    fn configured_maximum_is_enforced() {
        let info = analyze(&"a".repeat(400), B8);
        assert_eq!(info.segments, 3);
        assert_eq!(check_max_segments(&info, 3), Ok(()));
        let err = check_max_segments(&info, 2).unwrap_err();
        assert_eq!(
            err,
            SegmentLimitExceeded {
                segments: 3,
                max: 2
            }
        );
        assert_eq!(
            err.to_string(),
            "message needs 3 SMS segments, more than the allowed maximum of 2"
        );
    }

    #[test]
    fn payloads_are_unpacked_septets_or_utf16be() {
        let parts = split("a€[", B8).unwrap();
        assert_eq!(parts[0].payload, vec![0x61, 0x1B, 0x65, 0x1B, 0x3C]);
        assert_eq!(parts[0].units, 5);
        let parts = split("aç", B8).unwrap();
        assert_eq!(parts[0].payload, vec![0x00, 0x61, 0x00, 0xE7]);
    }

    fn concat_ref() -> impl Strategy<Value = ConcatRef> {
        prop_oneof![Just(B8), Just(B16)]
    }

    fn gsm_char() -> impl Strategy<Value = char> {
        prop::sample::select(gsm7::all_chars().collect::<Vec<_>>())
    }

    /// Mostly GSM text with emoji, Cyrillic and arbitrary characters mixed in,
    /// so that part boundaries fall on pairs often.
    fn mixed_char() -> impl Strategy<Value = char> {
        prop_oneof![
            6 => gsm_char(),
            1 => Just('😀'),
            1 => Just('ж'),
            1 => Just('€'),
            1 => any::<char>(),
        ]
    }

    fn check_split(text: &str, concat: ConcatRef) -> Result<(), TestCaseError> {
        let info = analyze(text, concat);
        let parts = split(text, concat).unwrap();
        prop_assert_eq!(parts.len(), info.segments);
        prop_assert_eq!(parts.iter().map(|p| p.units).sum::<usize>(), info.units);
        for part in &parts {
            prop_assert_eq!(part.encoding, info.encoding);
            prop_assert!(part.units <= info.part_capacity);
            let width = if part.encoding == SmsEncoding::Gsm7 {
                1
            } else {
                2
            };
            prop_assert_eq!(part.payload.len(), part.units * width);
        }
        let last = parts.last().unwrap();
        prop_assert_eq!(last.units + info.remaining, info.part_capacity);
        let decoded: String = parts.iter().map(decode).collect();
        prop_assert_eq!(decoded, text);
        Ok(())
    }

    proptest! {
        #[test]
        fn gsm_text_splits_and_joins(
            chars in prop::collection::vec(gsm_char(), 0..700),
            concat in concat_ref(),
        ) {
            let text: String = chars.into_iter().collect();
            prop_assert_eq!(analyze(&text, B8).encoding, SmsEncoding::Gsm7);
            check_split(&text, concat)?;
        }

        #[test]
        fn any_text_splits_and_joins(text in any::<String>(), concat in concat_ref()) {
            check_split(&text, concat)?;
        }

        #[test]
        fn mixed_text_splits_and_joins(
            chars in prop::collection::vec(mixed_char(), 0..400),
            concat in concat_ref(),
        ) {
            let text: String = chars.into_iter().collect();
            check_split(&text, concat)?;
        }

        #[test]
        fn analyze_never_panics(text in "\\PC*", concat in concat_ref()) {
            let info = analyze(&text, concat);
            prop_assert!(info.segments >= 1);
            prop_assert!(info.remaining <= info.part_capacity);
            prop_assert_eq!(info.chars, text.chars().count());
            prop_assert_eq!(info.ucs2_trigger.is_some(), info.encoding == SmsEncoding::Ucs2);
        }
    }
}
