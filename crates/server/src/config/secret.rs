//! Configured secrets are the store's [`Secret`] (never shown by `Debug`, never
//! serialised); one type for every secret bote holds. When no callback key is configured,
//! one is made up at start and marked so `bote serve` can warn.

pub use bote_store::Secret;

const GENERATED: &str = "generated:";

/// A random secret for this run, for when none is configured.
pub(super) fn generated() -> Secret {
    Secret::new(format!("{GENERATED}{}", crate::auth::generate_password()))
}

/// Whether `secret` was made up at start rather than configured.
pub fn is_generated(secret: &Secret) -> bool {
    secret.expose().starts_with(GENERATED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_made_up_secret_is_known_as_such_and_hidden() {
        let made = generated();
        assert!(is_generated(&made));
        assert!(!is_generated(&Secret::new("configured-callback-key")));
        assert_eq!(format!("{made:?}"), "Secret(*****)");
    }
}
