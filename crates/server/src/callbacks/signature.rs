//! The signature bote puts on every callback: `X-Bote-Signature: t=<unix seconds>,v1=<hex
//! HMAC-SHA256 of "<t>.<body>">`. Receivers recompute it with their secret and reject old
//! timestamps, so a captured callback cannot be replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "x-bote-signature";

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

/// Checks a signature header (constant-time comparison of the MAC).
pub fn verify(secret: &[u8], header: &str, body: &[u8]) -> bool {
    let mut timestamp = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => v1 = hex::decode(v).ok(),
            _ => {}
        }
    }
    match (timestamp, v1) {
        (Some(t), Some(sig)) => mac(secret, t, body).verify_slice(&sig).is_ok(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_detect_changes() {
        let header = sign(b"secret", 1_700_000_000, b"{\"a\":1}");
        assert!(header.starts_with("t=1700000000,v1="));
        assert!(verify(b"secret", &header, b"{\"a\":1}"));
        assert!(!verify(b"secret", &header, b"{\"a\":2}"));
        assert!(!verify(b"other", &header, b"{\"a\":1}"));
        assert!(!verify(b"secret", "t=1700000000,v1=zz", b"{\"a\":1}"));
        let replayed = header.replace("t=1700000000", "t=1700000001");
        assert!(!verify(b"secret", &replayed, b"{\"a\":1}"));
    }
}
