//! SMS text encoding: which alphabet a text needs, how many parts it costs, and the
//! payload of each part; plus decoding of inbound payloads.
//!
//! Facts follow 3GPP TS 23.038 (alphabets) and TS 23.040 (concatenation):
//! - a text made only of characters of the GSM 7-bit default alphabet and its
//!   extension table is sent as GSM-7; an extension character costs two septets
//!   (ESC 0x1B and its code);
//! - any other character makes the whole text UCS-2, counted in UTF-16 code units
//!   (a character outside the BMP, such as most emoji, costs two);
//! - one SMS holds 160 septets or 70 units; a concatenated part holds 153 / 67 with
//!   an 8-bit reference, 152 / 66 with a 16-bit one; at most 255 parts.
//!
//! Characters are Unicode scalar values (`char`), not grapheme clusters. No
//! transliteration happens here: `ç` or `â` are not in the GSM table and force UCS-2.
//!
//! An empty text is one segment of zero units; whether an empty message may be
//! sent is the caller's decision.

pub mod gsm7;
pub mod segments;
pub mod ucs2;
pub mod udh;

pub use segments::{
    ConcatRef, MAX_PARTS, Segment, SegmentLimitExceeded, SmsInfo, SplitError, Ucs2Trigger, analyze,
    check_max_segments, split,
};
pub use udh::{ConcatInfo, concat_udh8, concat_udh16, parse_udh};

use serde::{Deserialize, Serialize};

/// The alphabet a message is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsEncoding {
    /// GSM 03.38 7-bit default alphabet with its extension table.
    Gsm7,
    /// UCS-2, sent as UTF-16BE (surrogate pairs for characters outside the BMP).
    Ucs2,
}

impl SmsEncoding {
    /// The SMPP `data_coding` value for this encoding: 0 (SMSC default alphabet,
    /// taken as GSM-7) or 8 (UCS-2).
    pub fn data_coding(self) -> u8 {
        match self {
            SmsEncoding::Gsm7 => 0x00,
            SmsEncoding::Ucs2 => 0x08,
        }
    }

    /// Units one single (unconcatenated) SMS holds: 160 septets or 70 UTF-16 units.
    pub fn single_capacity(self) -> usize {
        match self {
            SmsEncoding::Gsm7 => 160,
            SmsEncoding::Ucs2 => 70,
        }
    }

    /// Units one part of a concatenated SMS holds, after the concatenation header.
    pub fn part_capacity(self, concat: ConcatRef) -> usize {
        match (self, concat) {
            (SmsEncoding::Gsm7, ConcatRef::Bits8) => 153,
            (SmsEncoding::Gsm7, ConcatRef::Bits16) => 152,
            (SmsEncoding::Ucs2, ConcatRef::Bits8) => 67,
            (SmsEncoding::Ucs2, ConcatRef::Bits16) => 66,
        }
    }
}

/// Why an inbound payload could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("byte 0x{byte:02X} at offset {index} is not a 7-bit septet")]
    NotASeptet { index: usize, byte: u8 },
    #[error("{count} septets need {needed} octets, but only {available} were given")]
    TooFewOctets {
        count: usize,
        needed: usize,
        available: usize,
    },
    #[error("UCS-2 payload has odd length {len}")]
    OddLength { len: usize },
}

/// Decodes a Latin-1 (ISO-8859-1, SMPP `data_coding` 3) payload. Every byte is a
/// character, so this cannot fail.
pub fn decode_latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_maps_bytes_to_code_points() {
        assert_eq!(decode_latin1(&[0x48, 0xE9, 0x20, 0xDF, 0xFF]), "Hé ßÿ");
        assert_eq!(decode_latin1(&[]), "");
    }

    #[test]
    fn capacities_match_the_standard() {
        assert_eq!(SmsEncoding::Gsm7.single_capacity(), 160);
        assert_eq!(SmsEncoding::Ucs2.single_capacity(), 70);
        assert_eq!(SmsEncoding::Gsm7.part_capacity(ConcatRef::Bits8), 153);
        assert_eq!(SmsEncoding::Gsm7.part_capacity(ConcatRef::Bits16), 152);
        assert_eq!(SmsEncoding::Ucs2.part_capacity(ConcatRef::Bits8), 67);
        assert_eq!(SmsEncoding::Ucs2.part_capacity(ConcatRef::Bits16), 66);
        assert_eq!(SmsEncoding::Gsm7.data_coding(), 0);
        assert_eq!(SmsEncoding::Ucs2.data_coding(), 8);
    }

    #[test]
    fn encoding_serializes_in_snake_case() {
        assert_eq!(
            serde_json::to_string(&SmsEncoding::Gsm7).unwrap(),
            "\"gsm7\""
        );
        assert_eq!(
            serde_json::to_string(&SmsEncoding::Ucs2).unwrap(),
            "\"ucs2\""
        );
    }
}
