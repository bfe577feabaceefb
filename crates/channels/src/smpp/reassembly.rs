//! Inbound (MO) messages: decoding by `data_coding`, and reassembly of concatenated
//! messages from their UDH or SAR TLVs.
//!
//! Parts are held in memory until the set is complete; a set still incomplete after
//! the timeout is handed out as it is (missing parts marked), so nothing is silently
//! dropped. The raw payloads are joined before decoding, so an escape or surrogate pair
//! split across parts by a careless sender still decodes.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bote_domain::sms::{decode_latin1, gsm7, parse_udh, ucs2};

use super::pdu::{ShortMessage, tag};

/// The alphabet a `data_coding` value stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    Gsm7,
    Latin1,
    Ucs2,
    /// 8-bit data or something unknown: decoded lossily as Latin-1.
    Other,
}

pub fn alphabet(data_coding: u8) -> Alphabet {
    match data_coding {
        0x00 | 0x01 => Alphabet::Gsm7, // SMSC default / IA5 (ASCII) — septet values
        0x03 => Alphabet::Latin1,
        0x08 => Alphabet::Ucs2,
        // General data coding group (bits 7..6 = 00): bits 3..2 give the alphabet.
        0x10..=0x3F => match (data_coding >> 2) & 0x03 {
            0 => Alphabet::Gsm7,
            2 => Alphabet::Ucs2,
            _ => Alphabet::Other,
        },
        // Message waiting groups and data coding/message class group.
        0xC0..=0xDF => Alphabet::Gsm7,
        0xE0..=0xEF => Alphabet::Ucs2,
        0xF0..=0xFF if data_coding & 0x04 == 0 => Alphabet::Gsm7,
        _ => Alphabet::Other,
    }
}

/// Decodes a payload, never failing: undecodable input falls back to Latin-1.
pub fn decode(data_coding: u8, bytes: &[u8]) -> String {
    match alphabet(data_coding) {
        Alphabet::Gsm7 => gsm7::decode_unpacked(bytes).unwrap_or_else(|_| decode_latin1(bytes)),
        Alphabet::Ucs2 => ucs2::decode(bytes).unwrap_or_else(|_| {
            let even = &bytes[..bytes.len() & !1];
            ucs2::decode(even).unwrap_or_default()
        }),
        Alphabet::Latin1 | Alphabet::Other => decode_latin1(bytes),
    }
}

/// Where a part belongs in a concatenated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartInfo {
    pub reference: u16,
    pub total: u8,
    pub seq: u8,
}

/// One inbound short message, its header removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoPart {
    pub from: String,
    pub to: String,
    pub data_coding: u8,
    pub body: Vec<u8>,
    pub part: Option<PartInfo>,
}

fn u16_tlv(sm: &ShortMessage, t: u16) -> Option<u16> {
    let v = sm.tlv(t)?;
    Some(match v.len() {
        1 => u16::from(v[0]),
        2 => u16::from_be_bytes([v[0], v[1]]),
        _ => return None,
    })
}

/// Reads an MO deliver_sm: the text from `short_message` (or `message_payload`), the
/// concatenation info from the UDH (esm_class 0x40) or SAR TLVs.
pub fn mo_part(sm: &ShortMessage) -> MoPart {
    let mut data: &[u8] = &sm.short_message;
    if data.is_empty()
        && let Some(p) = sm.tlv(tag::MESSAGE_PAYLOAD)
    {
        data = p;
    }
    let mut part = None;
    let mut body = data;
    if sm.esm_class & 0x40 != 0
        && let Some((concat, rest)) = parse_udh(data)
    {
        body = rest;
        part = concat.map(|c| PartInfo {
            reference: c.reference,
            total: c.total,
            seq: c.seq,
        });
    }
    if part.is_none()
        && let (Some(reference), Some(total), Some(seq)) = (
            u16_tlv(sm, tag::SAR_MSG_REF_NUM),
            u16_tlv(sm, tag::SAR_TOTAL_SEGMENTS),
            u16_tlv(sm, tag::SAR_SEGMENT_SEQNUM),
        )
        && seq >= 1
        && seq <= total
        && total <= 255
    {
        part = Some(PartInfo {
            reference,
            total: total as u8,
            seq: seq as u8,
        });
    }
    if part.is_some_and(|p| p.total <= 1) {
        part = None;
    }
    MoPart {
        from: sm.source.addr.clone(),
        to: sm.dest.addr.clone(),
        data_coding: sm.data_coding,
        body: body.to_vec(),
        part,
    }
}

/// A whole inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assembled {
    pub from: String,
    pub to: String,
    pub text: String,
    /// False when the set timed out with parts missing.
    pub complete: bool,
}

type Key = (String, String, u16, u8);

struct Set {
    first_seen: Instant,
    data_coding: u8,
    parts: Vec<Option<Vec<u8>>>,
}

/// Collects the parts of concatenated messages.
pub struct Reassembler {
    timeout: Duration,
    sets: HashMap<Key, Set>,
}

/// What [`Reassembler::add`] decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Added {
    /// Held; acknowledge the part, nothing to store yet.
    Held,
    /// A whole message: store it, then call [`Reassembler::done`] with the key (if any).
    Complete(Assembled, Option<SetKey>),
}

/// Identifies a complete set until it was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetKey(Key);

impl Reassembler {
    pub fn new(timeout: Duration) -> Reassembler {
        Reassembler {
            timeout,
            sets: HashMap::new(),
        }
    }

    /// Adds a part. A complete set stays held until [`done`](Self::done), so that a
    /// failed store (and the SMSC's resend of the last part) can try again.
    pub fn add(&mut self, part: MoPart) -> Added {
        let Some(info) = part.part else {
            let text = decode(part.data_coding, &part.body);
            return Added::Complete(
                Assembled {
                    from: part.from,
                    to: part.to,
                    text,
                    complete: true,
                },
                None,
            );
        };
        let key: Key = (
            part.from.clone(),
            part.to.clone(),
            info.reference,
            info.total,
        );
        let set = self.sets.entry(key.clone()).or_insert_with(|| Set {
            first_seen: Instant::now(),
            data_coding: part.data_coding,
            parts: vec![None; usize::from(info.total)],
        });
        set.parts[usize::from(info.seq - 1)] = Some(part.body);
        if set.parts.iter().all(Option::is_some) {
            let text = join(set);
            Added::Complete(
                Assembled {
                    from: part.from,
                    to: part.to,
                    text,
                    complete: true,
                },
                Some(SetKey(key)),
            )
        } else {
            Added::Held
        }
    }

    /// Forgets a set once its message was stored.
    pub fn done(&mut self, key: &SetKey) {
        self.sets.remove(&key.0);
    }

    /// Removes and returns the sets older than the timeout, joined with `[…]` where
    /// parts are missing.
    pub fn take_expired(&mut self, now: Instant) -> Vec<Assembled> {
        let expired: Vec<Key> = self
            .sets
            .iter()
            .filter(|(_, s)| now.duration_since(s.first_seen) >= self.timeout)
            .map(|(k, _)| k.clone())
            .collect();
        expired
            .into_iter()
            .filter_map(|k| {
                let set = self.sets.remove(&k)?;
                Some(Assembled {
                    from: k.0,
                    to: k.1,
                    text: join(&set),
                    complete: set.parts.iter().all(Option::is_some),
                })
            })
            .collect()
    }

    pub fn pending(&self) -> usize {
        self.sets.len()
    }
}

fn join(set: &Set) -> String {
    let mut out = String::new();
    let mut run: Vec<u8> = Vec::new();
    for p in &set.parts {
        match p {
            Some(b) => run.extend_from_slice(b),
            None => {
                out.push_str(&decode(set.data_coding, &run));
                run.clear();
                out.push_str("[…]");
            }
        }
    }
    out.push_str(&decode(set.data_coding, &run));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smpp::pdu::{Address, Tlv};
    use bytes::Bytes;

    fn sm(esm: u8, dc: u8, data: &[u8], tlvs: Vec<Tlv>) -> ShortMessage {
        ShortMessage {
            source: Address {
                ton: 1,
                npi: 1,
                addr: "4366400000".into(),
            },
            dest: Address {
                ton: 1,
                npi: 1,
                addr: "4369900000".into(),
            },
            esm_class: esm,
            data_coding: dc,
            short_message: Bytes::copy_from_slice(data),
            tlvs,
            ..Default::default()
        }
    }

    #[test]
    fn decodes_by_data_coding() {
        assert_eq!(decode(0, &[0x48, 0x69, 0x1B, 0x65]), "Hi€");
        assert_eq!(decode(3, &[0x48, 0xE9]), "Hé");
        assert_eq!(decode(8, &[0x00, 0x48, 0x04, 0x16]), "HЖ");
        assert_eq!(decode(0x18, &[0x00, 0x48]), "H");
        assert_eq!(decode(0x04, &[0x41, 0xFF]), "Aÿ");
        assert_eq!(
            decode(0, &[0x41, 0xC8]),
            "AÈ",
            "non-septets fall back to Latin-1"
        );
    }

    #[test]
    fn reassembles_udh_parts_in_any_order() {
        let mut r = Reassembler::new(Duration::from_secs(60));
        let p2 = mo_part(&sm(0x40, 0, &[5, 0, 3, 9, 2, 2, 0x42], vec![]));
        let p1 = mo_part(&sm(0x40, 0, &[5, 0, 3, 9, 2, 1, 0x41], vec![]));
        assert_eq!(r.add(p2), Added::Held);
        let Added::Complete(m, Some(key)) = r.add(p1) else {
            panic!()
        };
        assert_eq!(m.text, "AB");
        assert!(m.complete);
        r.done(&key);
        assert_eq!(r.pending(), 0);
    }

    #[test]
    fn reassembles_sar_parts_and_joins_surrogates() {
        let mut r = Reassembler::new(Duration::from_secs(60));
        let tl = |seq: u8| {
            vec![
                Tlv {
                    tag: tag::SAR_MSG_REF_NUM,
                    value: Bytes::from_static(&[1, 2]),
                },
                Tlv {
                    tag: tag::SAR_TOTAL_SEGMENTS,
                    value: Bytes::from_static(&[2]),
                },
                Tlv {
                    tag: tag::SAR_SEGMENT_SEQNUM,
                    value: Bytes::copy_from_slice(&[seq]),
                },
            ]
        };
        // 😀 = D83D DE00, split between the parts.
        assert_eq!(r.add(mo_part(&sm(0, 8, &[0xD8, 0x3D], tl(1)))), Added::Held);
        let Added::Complete(m, _) = r.add(mo_part(&sm(0, 8, &[0xDE, 0x00], tl(2)))) else {
            panic!()
        };
        assert_eq!(m.text, "😀");
    }

    #[test]
    fn single_and_expired() {
        let mut r = Reassembler::new(Duration::from_millis(0));
        let Added::Complete(m, None) = r.add(mo_part(&sm(0, 0, b"Hello", vec![]))) else {
            panic!()
        };
        assert_eq!(m.text, "Hello");
        assert_eq!(
            r.add(mo_part(&sm(0x40, 0, &[5, 0, 3, 1, 2, 1, 0x41], vec![]))),
            Added::Held
        );
        let e = r.take_expired(Instant::now());
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].text, "A[…]");
        assert!(!e[0].complete);
    }
}
