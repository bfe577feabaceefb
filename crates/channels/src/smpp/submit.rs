//! Building the submit_sm PDUs of one outbound SMS: addresses, alphabet, flash,
//! validity, priority, receipt request, and concatenation by UDH or SAR TLVs.

use std::time::Duration;

use bote_domain::sms::{ConcatRef, SmsEncoding, split};
use bytes::Bytes;

use super::pdu::{Address, ShortMessage, Tlv, tag};
use super::url::ConcatMode;
use crate::{OutboundSms, SmsBody};

/// `data_coding` of 8-bit binary data; with flash, class 0 of the same alphabet.
const DATA_CODING_BINARY: u8 = 0x04;
const DATA_CODING_BINARY_FLASH: u8 = 0x14;

/// SMPP relative validity period `YYMMDDhhmmss000R`. Longer than 99 years is capped.
pub fn relative_validity(d: Duration) -> String {
    let mut s = d.as_secs().max(1);
    let secs = s % 60;
    s /= 60;
    let mins = s % 60;
    s /= 60;
    let hours = s % 24;
    let mut days = s / 24;
    let years = (days / 365).min(99);
    days -= years * 365;
    let months = (days / 30).min(11);
    days -= months * 30;
    let days = days.min(99);
    format!("{years:02}{months:02}{days:02}{hours:02}{mins:02}{secs:02}000R")
}

/// websms' priority 1 (lowest) to 9 onto SMPP's `priority_flag` 0 to 3.
pub fn priority_flag(p: Option<u8>) -> u8 {
    match p {
        None | Some(0..=4) => 0,
        Some(5 | 6) => 1,
        Some(7 | 8) => 2,
        Some(_) => 3,
    }
}

/// `data_coding` for an encoding; flash SMS are message class 0.
pub fn data_coding(encoding: SmsEncoding, flash: bool) -> u8 {
    match (encoding, flash) {
        (e, false) => e.data_coding(),
        (SmsEncoding::Gsm7, true) => 0x10,
        (SmsEncoding::Ucs2, true) => 0x18,
    }
}

/// The submit_sm bodies for `sms`, one per part. `reference` is the concatenation
/// reference (only the low byte with 8-bit UDH).
pub fn build(
    sms: &OutboundSms,
    concat: ConcatMode,
    reference: u16,
) -> Result<Vec<ShortMessage>, String> {
    let concat_ref = match concat {
        ConcatMode::Udh8 => ConcatRef::Bits8,
        ConcatMode::Udh16 | ConcatMode::Sar => ConcatRef::Bits16,
    };
    let source = match &sms.sender {
        Some(s) => {
            let (ton, npi) = s.kind.ton_npi();
            Address {
                ton,
                npi,
                addr: s.address.clone(),
            }
        }
        None => Address::default(),
    };
    let base = ShortMessage {
        source,
        dest: Address {
            ton: 1,
            npi: 1,
            addr: sms.to.digits().to_owned(),
        },
        priority_flag: priority_flag(sms.priority),
        validity_period: sms.validity.map(relative_validity).unwrap_or_default(),
        registered_delivery: u8::from(sms.want_receipt),
        ..Default::default()
    };
    let text = match &sms.body {
        SmsBody::Text(text) => text,
        SmsBody::Binary { segments, udh } => return Ok(binary(base, segments, *udh, sms.flash)),
    };
    let segments = split(text, concat_ref).map_err(|e| e.to_string())?;
    let total = segments.len();
    let mut out = Vec::with_capacity(total);
    for (i, seg) in segments.into_iter().enumerate() {
        let seq = (i + 1) as u8;
        let mut sm = base.clone();
        sm.data_coding = data_coding(seg.encoding, sms.flash);
        if total == 1 {
            sm.short_message = Bytes::from(seg.payload);
        } else {
            match concat {
                ConcatMode::Udh8 | ConcatMode::Udh16 => {
                    let mut data = concat_ref.udh(reference, total as u8, seq);
                    data.extend_from_slice(&seg.payload);
                    sm.esm_class = 0x40;
                    sm.short_message = Bytes::from(data);
                }
                ConcatMode::Sar => {
                    sm.short_message = Bytes::from(seg.payload);
                    sm.tlvs = vec![
                        Tlv {
                            tag: tag::SAR_MSG_REF_NUM,
                            value: Bytes::copy_from_slice(&reference.to_be_bytes()),
                        },
                        Tlv {
                            tag: tag::SAR_TOTAL_SEGMENTS,
                            value: Bytes::copy_from_slice(&[total as u8]),
                        },
                        Tlv {
                            tag: tag::SAR_SEGMENT_SEQNUM,
                            value: Bytes::copy_from_slice(&[seq]),
                        },
                    ];
                }
            }
        }
        out.push(sm);
    }
    Ok(out)
}

/// Binary segments go one submit_sm each, as the client gave them: 8-bit data, UDHI
/// when they carry the client's headers, no concatenation of bote's.
fn binary(base: ShortMessage, segments: &[Vec<u8>], udh: bool, flash: bool) -> Vec<ShortMessage> {
    segments
        .iter()
        .map(|seg| {
            let mut sm = base.clone();
            sm.data_coding = if flash {
                DATA_CODING_BINARY_FLASH
            } else {
                DATA_CODING_BINARY
            };
            if udh {
                sm.esm_class = 0x40;
            }
            sm.short_message = Bytes::copy_from_slice(seg);
            sm
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bote_domain::{PhoneNumber, Sender, SenderKind};

    fn sms(text: &str) -> OutboundSms {
        OutboundSms {
            message_id: 1,
            to: PhoneNumber::from_e164_unchecked("+436641234567"),
            sender: Some(Sender::parse("bote", SenderKind::Alphanumeric).unwrap()),
            body: text.into(),
            flash: false,
            validity: None,
            priority: None,
            want_receipt: true,
        }
    }

    #[test]
    fn single_gsm7() {
        let parts = build(&sms("Hi"), ConcatMode::Udh8, 1).unwrap();
        assert_eq!(parts.len(), 1);
        let p = &parts[0];
        assert_eq!(
            (p.source.ton, p.source.npi, p.source.addr.as_str()),
            (5, 0, "bote")
        );
        assert_eq!(
            (p.dest.ton, p.dest.npi, p.dest.addr.as_str()),
            (1, 1, "436641234567")
        );
        assert_eq!(
            (p.esm_class, p.data_coding, p.registered_delivery),
            (0, 0, 1)
        );
        assert_eq!(&p.short_message[..], b"Hi");
    }

    #[test]
    fn no_sender_flash_ucs2_validity_priority() {
        let mut m = sms("Привет");
        m.sender = None;
        m.flash = true;
        m.want_receipt = false;
        m.validity = Some(Duration::from_secs(2 * 86400 + 3600 + 61));
        m.priority = Some(9);
        let p = &build(&m, ConcatMode::Udh8, 1).unwrap()[0];
        assert_eq!(p.source, Address::default());
        assert_eq!(p.data_coding, 0x18);
        assert_eq!(p.registered_delivery, 0);
        assert_eq!(p.validity_period, "000002010101000R");
        assert_eq!(p.priority_flag, 3);
        assert_eq!(p.short_message.len(), 12);
    }

    #[test]
    fn concatenation_modes() {
        let text = "x".repeat(400);
        let udh8 = build(&sms(&text), ConcatMode::Udh8, 0x1234).unwrap();
        assert_eq!(udh8.len(), 3);
        assert_eq!(&udh8[1].short_message[..6], &[5, 0, 3, 0x34, 3, 2]);
        assert_eq!(udh8[1].esm_class, 0x40);
        let udh16 = build(&sms(&text), ConcatMode::Udh16, 0x1234).unwrap();
        assert_eq!(&udh16[2].short_message[..7], &[6, 8, 4, 0x12, 0x34, 3, 3]);
        let sar = build(&sms(&text), ConcatMode::Sar, 0x1234).unwrap();
        assert_eq!(sar[0].esm_class, 0);
        assert_eq!(sar[0].tlv(tag::SAR_MSG_REF_NUM).unwrap()[..], [0x12, 0x34]);
        assert_eq!(sar[0].tlv(tag::SAR_TOTAL_SEGMENTS).unwrap()[..], [3]);
        assert_eq!(sar[2].tlv(tag::SAR_SEGMENT_SEQNUM).unwrap()[..], [3]);
        let joined: usize = sar.iter().map(|p| p.short_message.len()).sum();
        assert_eq!(joined, 400);
    }

    #[test]
    fn binary_segments_go_as_given() {
        let seg1 = vec![5, 0, 3, 0x2a, 2, 1, 0xde, 0xad, 0x00];
        let seg2 = vec![5, 0, 3, 0x2a, 2, 2, 0xbe, 0xef];
        let mut m = sms("");
        m.body = SmsBody::Binary {
            segments: vec![seg1.clone(), seg2.clone()],
            udh: true,
        };
        for concat in [ConcatMode::Udh8, ConcatMode::Sar] {
            let parts = build(&m, concat, 0x1234).unwrap();
            assert_eq!(parts.len(), 2);
            assert_eq!(&parts[0].short_message[..], &seg1[..]);
            assert_eq!(&parts[1].short_message[..], &seg2[..]);
            for p in &parts {
                assert_eq!((p.data_coding, p.esm_class), (0x04, 0x40));
                assert!(p.tlvs.is_empty());
                assert_eq!(p.dest.addr, "436641234567");
                assert_eq!(p.registered_delivery, 1);
            }
        }
        m.body = SmsBody::Binary {
            segments: vec![vec![1, 2, 3]],
            udh: false,
        };
        m.flash = true;
        let p = &build(&m, ConcatMode::Udh8, 1).unwrap()[0];
        assert_eq!((p.data_coding, p.esm_class), (0x14, 0));
        assert_eq!(&p.short_message[..], &[1, 2, 3]);
    }

    #[test]
    fn validity_and_priority_formats() {
        assert_eq!(
            relative_validity(Duration::from_secs(30)),
            "000000000030000R"
        );
        assert_eq!(
            relative_validity(Duration::from_secs(400 * 86400)),
            "010105000000000R"
        );
        assert_eq!(priority_flag(None), 0);
        assert_eq!(priority_flag(Some(5)), 1);
        assert_eq!(priority_flag(Some(7)), 2);
    }
}
