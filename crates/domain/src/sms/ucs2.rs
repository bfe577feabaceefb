//! UCS-2 as SMS carries it today: UTF-16 big-endian, with surrogate pairs for
//! characters outside the Basic Multilingual Plane.

use super::DecodeError;

/// UTF-16 code units `c` costs: 1, or 2 outside the BMP (most emoji).
pub fn unit_len(c: char) -> usize {
    c.len_utf16()
}

/// UTF-16 code units of the whole text.
pub fn unit_count(text: &str) -> usize {
    text.chars().map(unit_len).sum()
}

/// Appends the UTF-16BE bytes of `c`.
pub fn push_char(c: char, out: &mut Vec<u8>) {
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        out.extend_from_slice(&unit.to_be_bytes());
    }
}

/// Encodes `text` as UTF-16BE.
pub fn encode(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// Decodes UTF-16BE bytes. An odd length is an error; an unpaired surrogate
/// becomes U+FFFD. Reassemble the parts of a concatenated message before
/// decoding: a careless sender may have split a surrogate pair between parts.
pub fn decode(bytes: &[u8]) -> Result<String, DecodeError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(DecodeError::OddLength { len: bytes.len() });
    }
    let units = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
    Ok(char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_big_endian_with_surrogates() {
        assert_eq!(encode("Aж"), vec![0x00, 0x41, 0x04, 0x36]);
        assert_eq!(encode("😀"), vec![0xD8, 0x3D, 0xDE, 0x00]);
        let mut out = Vec::new();
        push_char('😀', &mut out);
        push_char('ç', &mut out);
        assert_eq!(out, vec![0xD8, 0x3D, 0xDE, 0x00, 0x00, 0xE7]);
        assert_eq!(unit_count("aж😀"), 4);
    }

    #[test]
    fn decodes_and_reports_odd_length() {
        assert_eq!(decode(&[0x00, 0x48, 0x00, 0xE9]).unwrap(), "Hé");
        assert_eq!(decode(&[]).unwrap(), "");
        assert_eq!(
            decode(&[0x00, 0x48, 0x00]),
            Err(DecodeError::OddLength { len: 3 })
        );
    }

    #[test]
    fn lone_surrogates_become_replacement_chars() {
        assert_eq!(decode(&[0xD8, 0x3D, 0x00, 0x41]).unwrap(), "\u{FFFD}A");
        assert_eq!(decode(&[0xDE, 0x00]).unwrap(), "\u{FFFD}");
    }

    proptest! {
        #[test]
        fn encode_then_decode_is_identity(text in any::<String>()) {
            let bytes = encode(&text);
            prop_assert_eq!(bytes.len(), 2 * unit_count(&text));
            prop_assert_eq!(decode(&bytes).unwrap(), text);
        }

        #[test]
        fn decoding_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let result = decode(&bytes);
            prop_assert_eq!(result.is_err(), !bytes.len().is_multiple_of(2));
        }
    }
}
