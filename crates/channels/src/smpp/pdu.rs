//! SMPP 3.4 PDUs: the few operations an ESME needs, and a `tokio-util` codec that frames
//! them on a byte stream (4-byte big-endian length, id, status, sequence number, body).

use bytes::{Buf, BufMut, Bytes, BytesMut};

pub const GENERIC_NACK: u32 = 0x8000_0000;
pub const BIND_RECEIVER: u32 = 0x0000_0001;
pub const BIND_TRANSMITTER: u32 = 0x0000_0002;
pub const SUBMIT_SM: u32 = 0x0000_0004;
pub const SUBMIT_SM_RESP: u32 = 0x8000_0004;
pub const DELIVER_SM: u32 = 0x0000_0005;
pub const DELIVER_SM_RESP: u32 = 0x8000_0005;
pub const UNBIND: u32 = 0x0000_0006;
pub const UNBIND_RESP: u32 = 0x8000_0006;
pub const BIND_TRANSCEIVER: u32 = 0x0000_0009;
pub const ENQUIRE_LINK: u32 = 0x0000_0015;
pub const ENQUIRE_LINK_RESP: u32 = 0x8000_0015;

/// The response id of a request id.
pub const fn resp_id(command_id: u32) -> u32 {
    command_id | 0x8000_0000
}

pub use super::status;

pub mod tag {
    pub const RECEIPTED_MESSAGE_ID: u16 = 0x001E;
    pub const SAR_MSG_REF_NUM: u16 = 0x020C;
    pub const SAR_TOTAL_SEGMENTS: u16 = 0x020E;
    pub const SAR_SEGMENT_SEQNUM: u16 = 0x020F;
    pub const NETWORK_ERROR_CODE: u16 = 0x0423;
    pub const MESSAGE_PAYLOAD: u16 = 0x0424;
    pub const MESSAGE_STATE: u16 = 0x0427;
}

/// The largest PDU accepted from the peer.
pub const MAX_PDU_LEN: usize = 64 * 1024;

/// An optional parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv {
    pub tag: u16,
    pub value: Bytes,
}

/// An SME address: type of number, numbering plan, digits or name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub ton: u8,
    pub npi: u8,
    pub addr: String,
}

/// The body shared by submit_sm and deliver_sm.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShortMessage {
    pub service_type: String,
    pub source: Address,
    pub dest: Address,
    pub esm_class: u8,
    pub protocol_id: u8,
    pub priority_flag: u8,
    pub schedule_delivery_time: String,
    pub validity_period: String,
    pub registered_delivery: u8,
    pub replace_if_present: u8,
    pub data_coding: u8,
    pub sm_default_msg_id: u8,
    pub short_message: Bytes,
    pub tlvs: Vec<Tlv>,
}

impl ShortMessage {
    pub fn tlv(&self, tag: u16) -> Option<&Bytes> {
        self.tlvs.iter().find(|t| t.tag == tag).map(|t| &t.value)
    }
}

/// A bind request.
#[derive(Clone, PartialEq, Eq)]
pub struct Bind {
    pub system_id: String,
    pub password: String,
    pub system_type: String,
    pub interface_version: u8,
    pub addr_ton: u8,
    pub addr_npi: u8,
    pub address_range: String,
}

impl std::fmt::Debug for Bind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bind")
            .field("system_id", &self.system_id)
            .field("password", &"<redacted>")
            .field("system_type", &self.system_type)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Bind(Bind),
    /// bind_*_resp: the SMSC's system_id (TLVs ignored).
    BindResp {
        system_id: String,
    },
    SubmitSm(Box<ShortMessage>),
    DeliverSm(Box<ShortMessage>),
    /// submit_sm_resp / deliver_sm_resp.
    SmResp {
        message_id: String,
    },
    /// enquire_link(_resp), unbind(_resp), generic_nack, and error responses.
    Empty,
    /// A command this codec does not parse; kept raw.
    Other(Bytes),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdu {
    pub command_id: u32,
    pub status: u32,
    pub sequence: u32,
    pub body: Body,
}

impl Pdu {
    pub fn new(command_id: u32, sequence: u32, body: Body) -> Pdu {
        Pdu {
            command_id,
            status: 0,
            sequence,
            body,
        }
    }

    pub fn is_response(&self) -> bool {
        self.command_id & 0x8000_0000 != 0
    }

    /// A response to this request with `status` and an empty body.
    pub fn empty_resp(&self, status: u32) -> Pdu {
        Pdu {
            command_id: resp_id(self.command_id),
            status,
            sequence: self.sequence,
            body: Body::Empty,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PduError {
    #[error("PDU length {0} out of range")]
    BadLength(usize),
    #[error("PDU body truncated")]
    Truncated,
    #[error("C-octet string without terminating NUL")]
    Unterminated,
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

fn put_cstr(buf: &mut BytesMut, s: &str) {
    buf.put_slice(s.as_bytes());
    buf.put_u8(0);
}

fn get_cstr(buf: &mut Bytes) -> Result<String, PduError> {
    let nul = buf
        .iter()
        .position(|&b| b == 0)
        .ok_or(PduError::Unterminated)?;
    let s = buf.split_to(nul);
    buf.advance(1);
    Ok(String::from_utf8_lossy(&s).into_owned())
}

fn get_u8(buf: &mut Bytes) -> Result<u8, PduError> {
    if buf.is_empty() {
        return Err(PduError::Truncated);
    }
    Ok(buf.get_u8())
}

fn encode_sm(sm: &ShortMessage, buf: &mut BytesMut) {
    put_cstr(buf, &sm.service_type);
    for a in [&sm.source, &sm.dest] {
        buf.put_u8(a.ton);
        buf.put_u8(a.npi);
        put_cstr(buf, &a.addr);
    }
    buf.put_u8(sm.esm_class);
    buf.put_u8(sm.protocol_id);
    buf.put_u8(sm.priority_flag);
    put_cstr(buf, &sm.schedule_delivery_time);
    put_cstr(buf, &sm.validity_period);
    buf.put_u8(sm.registered_delivery);
    buf.put_u8(sm.replace_if_present);
    buf.put_u8(sm.data_coding);
    buf.put_u8(sm.sm_default_msg_id);
    buf.put_u8(sm.short_message.len().min(255) as u8);
    buf.put_slice(&sm.short_message[..sm.short_message.len().min(255)]);
    for t in &sm.tlvs {
        buf.put_u16(t.tag);
        buf.put_u16(t.value.len() as u16);
        buf.put_slice(&t.value);
    }
}

fn decode_sm(buf: &mut Bytes) -> Result<ShortMessage, PduError> {
    let service_type = get_cstr(buf)?;
    let addr = |buf: &mut Bytes| -> Result<Address, PduError> {
        Ok(Address {
            ton: get_u8(buf)?,
            npi: get_u8(buf)?,
            addr: get_cstr(buf)?,
        })
    };
    let source = addr(buf)?;
    let dest = addr(buf)?;
    let esm_class = get_u8(buf)?;
    let protocol_id = get_u8(buf)?;
    let priority_flag = get_u8(buf)?;
    let schedule_delivery_time = get_cstr(buf)?;
    let validity_period = get_cstr(buf)?;
    let registered_delivery = get_u8(buf)?;
    let replace_if_present = get_u8(buf)?;
    let data_coding = get_u8(buf)?;
    let sm_default_msg_id = get_u8(buf)?;
    let len = usize::from(get_u8(buf)?);
    if buf.len() < len {
        return Err(PduError::Truncated);
    }
    let short_message = buf.split_to(len);
    let mut tlvs = Vec::new();
    while buf.len() >= 4 {
        let tag = buf.get_u16();
        let len = usize::from(buf.get_u16());
        if buf.len() < len {
            return Err(PduError::Truncated);
        }
        tlvs.push(Tlv {
            tag,
            value: buf.split_to(len),
        });
    }
    Ok(ShortMessage {
        service_type,
        source,
        dest,
        esm_class,
        protocol_id,
        priority_flag,
        schedule_delivery_time,
        validity_period,
        registered_delivery,
        replace_if_present,
        data_coding,
        sm_default_msg_id,
        short_message,
        tlvs,
    })
}

impl Pdu {
    pub fn encode_into(&self, buf: &mut BytesMut) {
        let start = buf.len();
        buf.put_u32(0);
        buf.put_u32(self.command_id);
        buf.put_u32(self.status);
        buf.put_u32(self.sequence);
        match &self.body {
            Body::Bind(b) => {
                put_cstr(buf, &b.system_id);
                put_cstr(buf, &b.password);
                put_cstr(buf, &b.system_type);
                buf.put_u8(b.interface_version);
                buf.put_u8(b.addr_ton);
                buf.put_u8(b.addr_npi);
                put_cstr(buf, &b.address_range);
            }
            Body::BindResp { system_id } => put_cstr(buf, system_id),
            Body::SubmitSm(sm) | Body::DeliverSm(sm) => encode_sm(sm, buf),
            Body::SmResp { message_id } => put_cstr(buf, message_id),
            Body::Empty => {}
            Body::Other(raw) => buf.put_slice(raw),
        }
        let len = (buf.len() - start) as u32;
        buf[start..start + 4].copy_from_slice(&len.to_be_bytes());
    }

    /// Parses one whole PDU (header included).
    pub fn decode(mut frame: Bytes) -> Result<Pdu, PduError> {
        if frame.len() < 16 {
            return Err(PduError::BadLength(frame.len()));
        }
        let _len = frame.get_u32();
        let command_id = frame.get_u32();
        let status = frame.get_u32();
        let sequence = frame.get_u32();
        let mut body = frame;
        let body = match command_id {
            BIND_RECEIVER | BIND_TRANSMITTER | BIND_TRANSCEIVER => Body::Bind(Bind {
                system_id: get_cstr(&mut body)?,
                password: get_cstr(&mut body)?,
                system_type: get_cstr(&mut body)?,
                interface_version: get_u8(&mut body)?,
                addr_ton: get_u8(&mut body)?,
                addr_npi: get_u8(&mut body)?,
                address_range: get_cstr(&mut body)?,
            }),
            0x8000_0001 | 0x8000_0002 | 0x8000_0009 => Body::BindResp {
                system_id: if body.is_empty() {
                    String::new()
                } else {
                    get_cstr(&mut body)?
                },
            },
            SUBMIT_SM => Body::SubmitSm(Box::new(decode_sm(&mut body)?)),
            DELIVER_SM => Body::DeliverSm(Box::new(decode_sm(&mut body)?)),
            SUBMIT_SM_RESP | DELIVER_SM_RESP => Body::SmResp {
                // An error response may come without a body.
                message_id: if body.is_empty() {
                    String::new()
                } else {
                    get_cstr(&mut body)?
                },
            },
            ENQUIRE_LINK | ENQUIRE_LINK_RESP | UNBIND | UNBIND_RESP | GENERIC_NACK => Body::Empty,
            _ => Body::Other(body),
        };
        Ok(Pdu {
            command_id,
            status,
            sequence,
            body,
        })
    }
}
