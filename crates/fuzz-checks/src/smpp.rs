//! The SMPP 3.4 decoder: bytes from an SMSC are untrusted.

use bote_channels::smpp::codec::SmppCodec;
use bote_channels::smpp::pdu::Pdu;
use bytes::{Bytes, BytesMut};
use tokio_util::codec::Decoder;

/// One frame: decoding never panics, and a PDU that decodes encodes back to bytes that
/// decode to the same PDU (what bote reads it can also write).
pub fn pdu(data: &[u8]) {
    let Ok(pdu) = Pdu::decode(Bytes::copy_from_slice(data)) else {
        return;
    };
    let mut again = BytesMut::new();
    pdu.encode_into(&mut again);
    let back = Pdu::decode(again.freeze()).expect("an encoded PDU decodes");
    assert_eq!(back, pdu, "encode and decode disagree");
}

/// A byte stream as a session reads it, fed in uneven chunks: the framer never panics
/// and never yields more than the stream holds.
pub fn stream(data: &[u8]) {
    let mut codec = SmppCodec;
    let mut buf = BytesMut::new();
    let chunk = 1 + data.first().map_or(0, |b| usize::from(*b % 64));
    for piece in data.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(_)) => continue,
                Ok(None) => break,
                // A session drops the connection on a framing error.
                Err(_) => return,
            }
        }
    }
}
