//! Configured secrets: never shown by `Debug`.

use std::fmt;

const GENERATED: &str = "generated:";

/// A secret value: never shown by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// A random secret for this run, for when none is configured.
    pub(super) fn generated() -> Self {
        Self(format!("{GENERATED}{}", crate::auth::generate_password()))
    }

    /// Whether this secret was made up at start rather than configured.
    pub fn is_generated(&self) -> bool {
        self.0.starts_with(GENERATED)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(*****)")
    }
}
