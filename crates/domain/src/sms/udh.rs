//! User data headers for concatenated SMS (TS 23.040 §9.2.3.24.1 and .8).

use super::ConcatRef;

impl ConcatRef {
    /// The concatenation UDH of part `seq` (1-based) of `total`. For `Bits8` only the
    /// low byte of `reference` is used.
    pub fn udh(self, reference: u16, total: u8, seq: u8) -> Vec<u8> {
        match self {
            ConcatRef::Bits8 => concat_udh8(reference.to_be_bytes()[1], total, seq).to_vec(),
            ConcatRef::Bits16 => concat_udh16(reference, total, seq).to_vec(),
        }
    }
}

/// Concatenation UDH with an 8-bit reference: `05 00 03 ref total seq`.
pub fn concat_udh8(reference: u8, total: u8, seq: u8) -> [u8; 6] {
    [0x05, 0x00, 0x03, reference, total, seq]
}

/// Concatenation UDH with a 16-bit reference: `06 08 04 refhi reflo total seq`.
pub fn concat_udh16(reference: u16, total: u8, seq: u8) -> [u8; 7] {
    let [hi, lo] = reference.to_be_bytes();
    [0x06, 0x08, 0x04, hi, lo, total, seq]
}

/// The concatenation element of an inbound part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConcatInfo {
    pub concat: ConcatRef,
    pub reference: u16,
    pub total: u8,
    /// 1-based.
    pub seq: u8,
}

/// Reads the UDH at the start of `user_data` (sent with UDHI / `esm_class` 0x40):
/// the concatenation element, if any, and the body after the header. `None` if
/// the header runs past the data. A concatenation element with `seq` 0 or above
/// `total` is ignored, as TS 23.040 asks. For a GSM-7 body in packed form see
/// [`unpack`](super::gsm7::unpack); in unpacked form the body is septets.
pub fn parse_udh(user_data: &[u8]) -> Option<(Option<ConcatInfo>, &[u8])> {
    let (&udhl, rest) = user_data.split_first()?;
    let (mut elements, body) = rest.split_at_checked(usize::from(udhl))?;
    let mut found = None;
    while let Some((&iei, tail)) = elements.split_first() {
        let (&len, tail) = tail.split_first()?;
        let (data, tail) = tail.split_at_checked(usize::from(len))?;
        let info = match (iei, data) {
            (0x00, &[reference, total, seq]) => {
                Some((ConcatRef::Bits8, reference.into(), total, seq))
            }
            (0x08, &[hi, lo, total, seq]) => {
                Some((ConcatRef::Bits16, u16::from_be_bytes([hi, lo]), total, seq))
            }
            _ => None,
        };
        if let Some((concat, reference, total, seq)) = info
            && seq >= 1
            && seq <= total
        {
            found = Some(ConcatInfo {
                concat,
                reference,
                total,
                seq,
            });
        }
        elements = tail;
    }
    Some((found, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn builds_concatenation_headers() {
        assert_eq!(
            concat_udh8(0x2A, 3, 1),
            [0x05, 0x00, 0x03, 0x2A, 0x03, 0x01]
        );
        assert_eq!(
            concat_udh16(0x1234, 2, 2),
            [0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x02]
        );
        assert_eq!(
            ConcatRef::Bits8.udh(0x1234, 2, 1),
            vec![5, 0, 3, 0x34, 2, 1]
        );
        assert_eq!(
            ConcatRef::Bits16.udh(0x1234, 2, 1),
            vec![6, 8, 4, 0x12, 0x34, 2, 1]
        );
    }

    #[test]
    fn parses_headers_and_finds_the_body() {
        let mut data = concat_udh8(7, 3, 2).to_vec();
        data.extend_from_slice(b"body");
        let (info, body) = parse_udh(&data).unwrap();
        let expected = ConcatInfo {
            concat: ConcatRef::Bits8,
            reference: 7,
            total: 3,
            seq: 2,
        };
        assert_eq!(info, Some(expected));
        assert_eq!(body, b"body");

        // Another element (a port address, IEI 0x05) before the 16-bit reference.
        let data = [
            0x0C, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0x08, 0x04, 0xAB, 0xCD, 0x02, 0x01, 0x41,
        ];
        let (info, body) = parse_udh(&data).unwrap();
        let info = info.unwrap();
        assert_eq!((info.concat, info.reference), (ConcatRef::Bits16, 0xABCD));
        assert_eq!((info.total, info.seq, body), (2, 1, &[0x41][..]));
    }

    #[test]
    fn malformed_or_invalid_headers() {
        assert_eq!(parse_udh(&[]), None);
        assert_eq!(parse_udh(&[0x05, 0x00, 0x03, 0x01]), None);
        assert_eq!(parse_udh(&[0x03, 0x00, 0x03, 0x01]), None);
        // seq 0 and seq above total are ignored.
        assert_eq!(parse_udh(&concat_udh8(1, 2, 0)), Some((None, &[][..])));
        assert_eq!(parse_udh(&concat_udh8(1, 2, 3)), Some((None, &[][..])));
        assert_eq!(parse_udh(&[0x00, 0x41]), Some((None, &[0x41][..])));
    }

    proptest! {
        #[test]
        fn built_headers_parse_back(reference in any::<u16>(), total in 1u8.., seq in 1u8..) {
            prop_assume!(seq <= total);
            for concat in [ConcatRef::Bits8, ConcatRef::Bits16] {
                let udh = concat.udh(reference, total, seq);
                let (info, body) = parse_udh(&udh).unwrap();
                let info = info.unwrap();
                prop_assert!(body.is_empty());
                prop_assert_eq!((info.concat, info.total, info.seq), (concat, total, seq));
                let expected = match concat {
                    ConcatRef::Bits8 => reference & 0xFF,
                    ConcatRef::Bits16 => reference,
                };
                prop_assert_eq!(info.reference, expected);
            }
        }

        #[test]
        fn parsing_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_udh(&bytes);
        }
    }
}
