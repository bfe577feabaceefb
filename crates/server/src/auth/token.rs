//! API tokens: `bote_` followed by 40 random base62 characters. Only the SHA-256 hash is stored.

use rand::Rng;
use sha2::{Digest, Sha256};

pub const TOKEN_PREFIX: &str = "bote_";
const TOKEN_RANDOM_LEN: usize = 40;
/// Characters of a token shown in listings.
const DISPLAY_PREFIX_LEN: usize = 12;

/// A freshly made token: the secret to show once, and what the store keeps.
pub struct NewTokenSecret {
    pub token: String,
    pub hash: String,
    pub prefix: String,
}

pub fn new_token() -> NewTokenSecret {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let random: String = (0..TOKEN_RANDOM_LEN)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    let token = format!("{TOKEN_PREFIX}{random}");
    NewTokenSecret {
        hash: hash_token(&token),
        prefix: token[..DISPLAY_PREFIX_LEN].to_owned(),
        token,
    }
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether a secret has the shape of a token (so Basic auth can carry a token as password).
pub fn looks_like_token(secret: &str) -> bool {
    secret.len() == TOKEN_PREFIX.len() + TOKEN_RANDOM_LEN && secret.starts_with(TOKEN_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hash_stably() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a.token, b.token);
        assert!(looks_like_token(&a.token));
        assert_eq!(a.hash, hash_token(&a.token));
        assert_eq!(a.hash.len(), 64);
        assert!(a.token.starts_with(&a.prefix));
        assert!(!looks_like_token("bote_short"));
    }
}
