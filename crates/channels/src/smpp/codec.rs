//! The `tokio-util` codec framing PDUs on a byte stream: a 4-byte big-endian length
//! (header included), then id, status, sequence number and body.

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use super::pdu::{MAX_PDU_LEN, Pdu, PduError};

/// Frames PDUs on a byte stream.
#[derive(Debug, Default)]
pub struct SmppCodec;

impl Decoder for SmppCodec {
    type Item = Pdu;
    type Error = PduError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Pdu>, PduError> {
        if src.len() < 4 {
            return Ok(None);
        }
        let len = u32::from_be_bytes([src[0], src[1], src[2], src[3]]) as usize;
        if !(16..=MAX_PDU_LEN).contains(&len) {
            return Err(PduError::BadLength(len));
        }
        if src.len() < len {
            src.reserve(len - src.len());
            return Ok(None);
        }
        let frame = src.split_to(len).freeze();
        Pdu::decode(frame).map(Some)
    }
}

impl Encoder<Pdu> for SmppCodec {
    type Error = PduError;

    fn encode(&mut self, pdu: Pdu, dst: &mut BytesMut) -> Result<(), PduError> {
        pdu.encode_into(dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smpp::pdu::*;
    use bytes::Bytes;

    fn roundtrip(pdu: Pdu) {
        let mut buf = BytesMut::new();
        SmppCodec.encode(pdu.clone(), &mut buf).unwrap();
        // Partial input yields nothing yet.
        let mut partial = BytesMut::from(&buf[..buf.len() - 1]);
        assert!(SmppCodec.decode(&mut partial).unwrap().is_none());
        assert_eq!(SmppCodec.decode(&mut buf).unwrap().unwrap(), pdu);
        assert!(buf.is_empty());
    }

    #[test]
    fn pdus_roundtrip() {
        roundtrip(Pdu::new(
            BIND_TRANSCEIVER,
            1,
            Body::Bind(Bind {
                system_id: "bote".into(),
                password: "secret".into(),
                system_type: String::new(),
                interface_version: 0x34,
                addr_ton: 0,
                addr_npi: 0,
                address_range: String::new(),
            }),
        ));
        let sm = ShortMessage {
            source: Address {
                ton: 5,
                npi: 0,
                addr: "bote".into(),
            },
            dest: Address {
                ton: 1,
                npi: 1,
                addr: "436641234567".into(),
            },
            esm_class: 0x40,
            data_coding: 8,
            registered_delivery: 1,
            short_message: Bytes::from_static(&[5, 0, 3, 1, 2, 1, 0, 0x41]),
            tlvs: vec![Tlv {
                tag: tag::SAR_MSG_REF_NUM,
                value: Bytes::from_static(&[0, 7]),
            }],
            ..Default::default()
        };
        roundtrip(Pdu::new(SUBMIT_SM, 7, Body::SubmitSm(Box::new(sm.clone()))));
        roundtrip(Pdu::new(DELIVER_SM, 8, Body::DeliverSm(Box::new(sm))));
        roundtrip(Pdu::new(
            SUBMIT_SM_RESP,
            7,
            Body::SmResp {
                message_id: "abc".into(),
            },
        ));
        roundtrip(Pdu::new(ENQUIRE_LINK, 9, Body::Empty));
        roundtrip(Pdu::new(
            0x0000_0103,
            10,
            Body::Other(Bytes::from_static(b"xyz")),
        ));
    }

    #[test]
    fn error_resp_without_body_and_bad_lengths() {
        let raw = [0u8, 0, 0, 16, 0x80, 0, 0, 4, 0, 0, 0, 0x58, 0, 0, 0, 3];
        let pdu = SmppCodec
            .decode(&mut BytesMut::from(&raw[..]))
            .unwrap()
            .unwrap();
        assert_eq!(pdu.status, status::ESME_RTHROTTLED);
        assert_eq!(
            pdu.body,
            Body::SmResp {
                message_id: String::new()
            }
        );
        let bad = [0u8, 0, 0, 8, 0, 0, 0, 0];
        assert!(SmppCodec.decode(&mut BytesMut::from(&bad[..])).is_err());
        assert_eq!(status::name(0x58), "ESME_RTHROTTLED");
        assert_eq!(status::name(0x1234), "0x00001234");
        assert!(
            format!(
                "{:?}",
                Bind {
                    system_id: "a".into(),
                    password: "pw-xyz".into(),
                    system_type: String::new(),
                    interface_version: 0x34,
                    addr_ton: 0,
                    addr_npi: 0,
                    address_range: String::new()
                }
            )
            .find("pw-xyz")
            .is_none()
        );
    }

    #[test]
    fn garbage_never_panics() {
        // A small xorshift generator: arbitrary bodies behind valid headers.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..2000 {
            let body_len = (next() % 64) as usize;
            let id = [
                SUBMIT_SM,
                DELIVER_SM,
                SUBMIT_SM_RESP,
                BIND_TRANSCEIVER,
                0x8000_0009,
                0x42,
            ][round % 6];
            let mut raw = BytesMut::new();
            raw.extend_from_slice(&((16 + body_len) as u32).to_be_bytes());
            raw.extend_from_slice(&id.to_be_bytes());
            raw.extend_from_slice(&[0; 8]);
            for _ in 0..body_len {
                raw.extend_from_slice(&[(next() & 0xFF) as u8]);
            }
            let _ = SmppCodec.decode(&mut raw);
        }
    }
}
