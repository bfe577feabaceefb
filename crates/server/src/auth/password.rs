//! Passwords: argon2id hashes, verified off the async threads, with a short-lived cache so
//! that clients sending HTTP Basic on every request do not pay argon2 each time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;
use sha2::{Digest, Sha256};

pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&rand::rng().random::<[u8; 16]>())
            .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
    })
    .await?
}

/// A readable random password for generated users.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

const CACHE_TTL: Duration = Duration::from_secs(300);
const CACHE_MAX: usize = 10_000;

/// Verifies passwords and remembers successes for a few minutes. The cache key covers the
/// stored hash, so a changed password never matches an old entry.
#[derive(Default)]
pub struct PasswordCheck {
    verified: Mutex<HashMap<[u8; 32], Instant>>,
}

impl PasswordCheck {
    pub async fn verify(&self, password: &str, stored_hash: &str) -> bool {
        let key: [u8; 32] = Sha256::new()
            .chain_update(stored_hash.as_bytes())
            .chain_update([0])
            .chain_update(password.as_bytes())
            .finalize()
            .into();
        if let Some(at) = self.verified.lock().expect("cache lock").get(&key)
            && at.elapsed() < CACHE_TTL
        {
            return true;
        }
        let (password, stored) = (password.to_owned(), stored_hash.to_owned());
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&stored).is_ok_and(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
        })
        .await
        .unwrap_or(false);
        if ok {
            let mut cache = self.verified.lock().expect("cache lock");
            if cache.len() >= CACHE_MAX {
                cache.retain(|_, at| at.elapsed() < CACHE_TTL);
                if cache.len() >= CACHE_MAX {
                    cache.clear();
                }
            }
            cache.insert(key, Instant::now());
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_right_and_refuses_wrong() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        let check = PasswordCheck::default();
        assert!(check.verify("correct horse", &hash).await);
        assert!(check.verify("correct horse", &hash).await, "cached");
        assert!(!check.verify("wrong", &hash).await);
        assert!(!check.verify("correct horse", "not a hash").await);
    }
}
