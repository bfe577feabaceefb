//! The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1),
//! and septet packing (§6.1.2.1).
//!
//! "Unpacked" septets are one septet per octet (as SMPP with `data_coding` 0
//! usually carries them); an extension character is the two septets ESC (0x1B)
//! and its code. "Packed" septets are the over-the-air form: eight septets in
//! seven octets, least significant bit first.

use super::DecodeError;

/// The escape septet that introduces an extension-table character.
pub const ESC: u8 = 0x1B;

/// The default alphabet, indexed by septet. Slot 0x1B is the escape and never
/// stands for a character of its own. Rows of 16.
#[rustfmt::skip]
const DEFAULT: [char; 128] = [
    // 0x00
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
    // 0x10: Δ _ Φ Γ Λ Ω Π Ψ Σ Θ Ξ ESC Æ æ ß É
    '\u{0394}', '_', '\u{03A6}', '\u{0393}', '\u{039B}', '\u{03A9}', '\u{03A0}', '\u{03A8}',
    '\u{03A3}', '\u{0398}', '\u{039E}', '\u{1B}', 'Æ', 'æ', 'ß', 'É',
    // 0x20
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
    // 0x30
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
    // 0x40
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
    // 0x50
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
    // 0x60
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
    // 0x70
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/// The extension table: code after ESC, and the character it stands for.
const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0C}'), // form feed (page break)
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

const NONE: u8 = 0xFF;

/// ASCII code point → default-table septet, or `NONE`.
const ASCII_TO_SEPTET: [u8; 128] = {
    let mut rev = [NONE; 128];
    let mut septet = 0;
    while septet < 128 {
        let c = DEFAULT[septet] as u32;
        if c < 128 && septet != ESC as usize {
            rev[c as usize] = septet as u8;
        }
        septet += 1;
    }
    rev
};

/// How one character is written in GSM-7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Septets {
    /// A default-table character: one septet.
    Default(u8),
    /// An extension-table character: ESC followed by this code.
    Extension(u8),
}

impl Septets {
    /// Septets this character costs: 1 or 2.
    pub fn count(self) -> usize {
        match self {
            Septets::Default(_) => 1,
            Septets::Extension(_) => 2,
        }
    }

    /// Appends the unpacked septets (with ESC for extension characters).
    pub fn push_into(self, out: &mut Vec<u8>) {
        match self {
            Septets::Default(s) => out.push(s),
            Septets::Extension(code) => out.extend_from_slice(&[ESC, code]),
        }
    }
}

/// The septets of `c`, or `None` if `c` is in neither table.
pub fn encode_char(c: char) -> Option<Septets> {
    let default = if c.is_ascii() {
        Some(ASCII_TO_SEPTET[c as usize]).filter(|&s| s != NONE)
    } else {
        DEFAULT
            .iter()
            .position(|&d| d == c)
            .and_then(|i| u8::try_from(i).ok())
    };
    default.map(Septets::Default).or_else(|| {
        EXTENSION
            .iter()
            .find(|&&(_, e)| e == c)
            .map(|&(code, _)| Septets::Extension(code))
    })
}

/// Septets `c` costs (1 or 2), or `None` if it is not encodable.
pub fn septet_len(c: char) -> Option<usize> {
    encode_char(c).map(Septets::count)
}

/// The first character (with its char index) that GSM-7 cannot encode.
pub fn first_unencodable(text: &str) -> Option<(usize, char)> {
    text.chars()
        .enumerate()
        .find(|&(_, c)| encode_char(c).is_none())
}

/// Whether the whole text can be sent as GSM-7.
pub fn is_encodable(text: &str) -> bool {
    first_unencodable(text).is_none()
}

/// Encodes `text` as unpacked septets, or `None` if a character is not encodable.
pub fn encode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        encode_char(c)?.push_into(&mut out);
    }
    Some(out)
}

/// Every character GSM-7 can encode: the default table (without ESC), then the
/// extension table.
pub fn all_chars() -> impl Iterator<Item = char> {
    DEFAULT
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != usize::from(ESC))
        .map(|(_, &c)| c)
        .chain(EXTENSION.iter().map(|&(_, c)| c))
}

/// Decodes unpacked septets (one per octet) into text.
///
/// ESC followed by a code outside the extension table decodes as that code's
/// default-table character, and ESC ESC as a space, as TS 23.038 asks of a
/// receiver; a lone ESC at the very end is dropped. A byte above 0x7F is an error.
pub fn decode_unpacked(septets: &[u8]) -> Result<String, DecodeError> {
    let septet_at = |index: usize| -> Result<usize, DecodeError> {
        let byte = septets[index];
        if byte > 0x7F {
            Err(DecodeError::NotASeptet { index, byte })
        } else {
            Ok(usize::from(byte))
        }
    };
    let mut out = String::with_capacity(septets.len());
    let mut i = 0;
    while i < septets.len() {
        let s = septet_at(i)?;
        if s != usize::from(ESC) {
            out.push(DEFAULT[s]);
            i += 1;
            continue;
        }
        if i + 1 < septets.len() {
            let code = septet_at(i + 1)?;
            let c = if code == usize::from(ESC) {
                ' '
            } else {
                EXTENSION
                    .iter()
                    .find(|&&(e, _)| usize::from(e) == code)
                    .map_or(DEFAULT[code], |&(_, c)| c)
            };
            out.push(c);
        }
        i += 2;
    }
    Ok(out)
}

/// Packs septets into octets, eight septets in seven octets, least significant
/// bit first. The top bit of each input byte is ignored. Unused bits of the last
/// octet are zero; the septet count must travel with the octets (as TP-UDL does).
pub fn pack(septets: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity((septets.len() * 7).div_ceil(8));
    let mut acc: u16 = 0;
    let mut bits = 0;
    for &s in septets {
        acc |= u16::from(s & 0x7F) << bits;
        bits += 7;
        while bits >= 8 {
            out.push((acc & 0xFF) as u8);
            acc >>= 8;
            bits -= 8;
        }
    }
    if bits > 0 {
        out.push((acc & 0xFF) as u8);
    }
    out
}

/// Unpacks `count` septets from packed octets.
///
/// For a payload that starts with a user data header, unpack the whole user data
/// (TP-UDL septets) and drop the first `((udhl + 1) * 8).div_ceil(7)` septets:
/// header and fill bits together take exactly that many.
pub fn unpack(octets: &[u8], count: usize) -> Result<Vec<u8>, DecodeError> {
    let needed = count.saturating_mul(7).div_ceil(8);
    if needed > octets.len() {
        return Err(DecodeError::TooFewOctets {
            count,
            needed,
            available: octets.len(),
        });
    }
    let mut out = Vec::with_capacity(count);
    let mut acc: u16 = 0;
    let mut bits = 0;
    let mut next = 0;
    while out.len() < count {
        if bits < 7 {
            acc |= u16::from(octets[next]) << bits;
            next += 1;
            bits += 8;
        }
        out.push((acc & 0x7F) as u8);
        acc >>= 7;
        bits -= 7;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_table_chars_cost_one_septet() {
        let listed = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà \n\r";
        for c in listed.chars() {
            assert_eq!(septet_len(c), Some(1), "{c:?}");
        }
        for c in ('a'..='z').chain('A'..='Z').chain('0'..='9') {
            assert_eq!(septet_len(c), Some(1), "{c:?}");
        }
        for c in "!\"#%&'()*+,-./:;<=>?".chars() {
            assert_eq!(septet_len(c), Some(1), "{c:?}");
        }
    }

    #[test]
    fn known_positions() {
        let at = |c| encode_char(c).unwrap();
        assert_eq!(at('@'), Septets::Default(0x00));
        assert_eq!(at('$'), Septets::Default(0x02));
        assert_eq!(at('Ç'), Septets::Default(0x09));
        assert_eq!(at('\n'), Septets::Default(0x0A));
        assert_eq!(at('\r'), Septets::Default(0x0D));
        assert_eq!(at('Δ'), Septets::Default(0x10));
        assert_eq!(at('_'), Septets::Default(0x11));
        assert_eq!(at('É'), Septets::Default(0x1F));
        assert_eq!(at('¤'), Septets::Default(0x24));
        assert_eq!(at('¡'), Septets::Default(0x40));
        assert_eq!(at('§'), Septets::Default(0x5F));
        assert_eq!(at('¿'), Septets::Default(0x60));
        assert_eq!(at('à'), Septets::Default(0x7F));
        assert_eq!(at('€'), Septets::Extension(0x65));
        assert_eq!(at('\u{0C}'), Septets::Extension(0x0A));
        assert_eq!(at('|'), Septets::Extension(0x40));
    }

    #[test]
    fn extension_chars_cost_two_septets() {
        for c in "^{}\\[~]|€\u{0C}".chars() {
            assert_eq!(septet_len(c), Some(2), "{c:?}");
        }
        assert_eq!(encode("a€").unwrap(), vec![0x61, ESC, 0x65]);
    }

    #[test]
    fn other_chars_are_not_encodable() {
        // U+2126 OHM SIGN is not the Greek capital omega of the table.
        for c in [
            'ç', 'â', 'ê', '`', 'ж', '\u{2126}', '😀', '\u{1B}', '\t', '\u{A0}',
        ] {
            assert_eq!(encode_char(c), None, "{c:?}");
        }
        assert_eq!(first_unencodable("Garçon"), Some((3, 'ç')));
        assert!(is_encodable("Grüß Gott, Ça va? 10€ [ok]"));
        assert_eq!(encode("a\u{1B}"), None);
    }

    #[test]
    fn every_septet_round_trips() {
        for s in (0u8..128).filter(|&s| s != ESC) {
            let text = decode_unpacked(&[s]).unwrap();
            assert_eq!(encode(&text).unwrap(), vec![s]);
        }
        assert_eq!(all_chars().count(), 127 + 10);
        for c in all_chars() {
            let septets = encode(&c.to_string()).unwrap();
            assert_eq!(decode_unpacked(&septets).unwrap(), c.to_string());
        }
    }

    #[test]
    fn decoding_escape_edge_cases() {
        assert_eq!(decode_unpacked(&[ESC, 0x65]).unwrap(), "€");
        assert_eq!(decode_unpacked(&[0x41, ESC, ESC, 0x42]).unwrap(), "A B");
        // Unknown extension code falls back to the default table.
        assert_eq!(decode_unpacked(&[ESC, 0x41]).unwrap(), "A");
        assert_eq!(decode_unpacked(&[0x41, ESC]).unwrap(), "A");
        let not_septet = |index, byte| Err(DecodeError::NotASeptet { index, byte });
        assert_eq!(decode_unpacked(&[0x41, 0x80]), not_septet(1, 0x80));
        assert_eq!(decode_unpacked(&[ESC, 0xE5]), not_septet(1, 0xE5));
    }

    #[test]
    fn packs_the_textbook_example() {
        // "hellohello" in the PDU examples of TS 23.040-era tutorials.
        let septets = encode("hellohello").unwrap();
        let packed = pack(&septets);
        assert_eq!(
            packed,
            vec![0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37]
        );
        assert_eq!(unpack(&packed, 10).unwrap(), septets);
        // Eight septets fill seven octets exactly.
        assert_eq!(pack(&[0x7F; 8]), vec![0xFF; 7]);
        assert_eq!(pack(&[]), Vec::<u8>::new());
    }

    #[test]
    fn unpack_needs_enough_octets() {
        assert_eq!(
            unpack(&[0xE8, 0x32], 3),
            Err(DecodeError::TooFewOctets {
                count: 3,
                needed: 3,
                available: 2
            })
        );
        assert_eq!(unpack(&[], 0).unwrap(), Vec::<u8>::new());
        assert!(unpack(&[0; 4], usize::MAX).is_err());
    }

    #[test]
    fn unpack_after_a_concatenation_header() {
        // UDH of 6 octets = 48 bits; one fill bit makes 49 = 7 septets.
        let udh = [0x05, 0x00, 0x03, 0x2A, 0x02, 0x01];
        let body = encode("Hi €").unwrap();
        let mut septets: Vec<u8> = Vec::new();
        let mut bits: Vec<u8> = udh
            .iter()
            .flat_map(|&b| (0..8).map(move |i| (b >> i) & 1))
            .collect();
        bits.push(0);
        for chunk in bits.chunks(7) {
            septets.push(chunk.iter().enumerate().map(|(i, &b)| b << i).sum());
        }
        septets.extend_from_slice(&body);
        let packed = pack(&septets);
        assert_eq!(&packed[..6], &udh);
        let skip = (udh.len() * 8).div_ceil(7);
        let all = unpack(&packed, septets.len()).unwrap();
        assert_eq!(decode_unpacked(&all[skip..]).unwrap(), "Hi €");
    }

    proptest! {
        #[test]
        fn pack_then_unpack_is_identity(septets in prop::collection::vec(0u8..128, 0..400)) {
            let packed = pack(&septets);
            prop_assert_eq!(packed.len(), (septets.len() * 7).div_ceil(8));
            prop_assert_eq!(unpack(&packed, septets.len()).unwrap(), septets);
        }

        #[test]
        fn gsm_text_round_trips(chars in prop::collection::vec(
            prop::sample::select(all_chars().collect::<Vec<_>>()), 0..200)
        ) {
            let text: String = chars.into_iter().collect();
            let septets = encode(&text).unwrap();
            prop_assert!(septets.iter().all(|&s| s < 0x80));
            prop_assert_eq!(decode_unpacked(&septets).unwrap(), text);
        }

        #[test]
        fn decoding_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = decode_unpacked(&bytes);
            let _ = unpack(&bytes, bytes.len());
        }
    }
}
