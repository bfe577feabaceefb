//! Meta's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body
//! with the app secret>`, checked in constant time over the raw bytes.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

fn mac(app_secret: &[u8], body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret).expect("HMAC takes any key length");
    mac.update(body);
    mac
}

/// The header value Meta would send with `body` (for tests and tools).
pub fn sign(app_secret: &[u8], body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(app_secret, body).finalize().into_bytes())
    )
}

/// Why a signature was not accepted, for the log (never the secret or the expected MAC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureProblem {
    Missing,
    Malformed,
    Mismatch,
}

impl SignatureProblem {
    pub fn as_str(&self) -> &'static str {
        match self {
            SignatureProblem::Missing => "missing X-Hub-Signature-256",
            SignatureProblem::Malformed => "X-Hub-Signature-256 is not sha256=<hex>",
            SignatureProblem::Mismatch => "X-Hub-Signature-256 does not match the body",
        }
    }
}

/// Checks `header` against `body` (constant-time comparison of the MAC).
pub fn verify_signature(
    app_secret: &[u8],
    header: Option<&str>,
    body: &[u8],
) -> Result<(), SignatureProblem> {
    let header = header.ok_or(SignatureProblem::Missing)?;
    let given = header
        .trim()
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or(SignatureProblem::Malformed)?;
    mac(app_secret, body)
        .verify_slice(&given)
        .map_err(|_| SignatureProblem::Mismatch)
}

/// Equality of two secrets in time that depends on their lengths only.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_over_the_raw_body() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let header = sign(b"app-secret", body);
        assert!(header.starts_with("sha256=") && header.len() == 7 + 64);
        assert_eq!(verify_signature(b"app-secret", Some(&header), body), Ok(()));
        assert_eq!(
            verify_signature(b"other", Some(&header), body),
            Err(SignatureProblem::Mismatch)
        );
        assert_eq!(
            verify_signature(b"app-secret", Some(&header), b"{ }"),
            Err(SignatureProblem::Mismatch)
        );
        assert_eq!(
            verify_signature(b"app-secret", None, body),
            Err(SignatureProblem::Missing)
        );
        for bad in ["sha1=abcd", "sha256=zz", &header[7..]] {
            assert_eq!(
                verify_signature(b"app-secret", Some(bad), body),
                Err(SignatureProblem::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret(b"verify", b"verify"));
        assert!(!same_secret(b"verify", b"verifz"));
        assert!(!same_secret(b"verify", b"verify2"));
    }
}
