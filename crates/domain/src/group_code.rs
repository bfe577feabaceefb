//! Group codes ("Gruppenkürzel"): short, case-insensitive codes used in keywords (`START NEWS`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A group code, stored in upper case so that `news`, `News` and `NEWS` are one code.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupCode(String);

pub const MAX_GROUP_CODE_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupCodeError {
    #[error("group code is empty")]
    Empty,
    #[error("group code '{0}' is longer than {MAX_GROUP_CODE_LEN} characters")]
    TooLong(String),
    #[error("group code '{0}' may contain only letters, digits, '-' and '_'")]
    InvalidChar(String),
}

impl GroupCode {
    pub fn parse(input: &str) -> Result<Self, GroupCodeError> {
        let code = input.trim();
        if code.is_empty() {
            return Err(GroupCodeError::Empty);
        }
        if code.chars().count() > MAX_GROUP_CODE_LEN {
            return Err(GroupCodeError::TooLong(code.to_owned()));
        }
        if !code
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        {
            return Err(GroupCodeError::InvalidChar(code.to_owned()));
        }
        Ok(Self(code.to_uppercase()))
    }

    /// Wraps a value read back from the store, already canonical.
    pub fn from_stored(code: impl Into<String>) -> Self {
        Self(code.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for GroupCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for GroupCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GroupCode({})", self.0)
    }
}

impl Serialize for GroupCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for GroupCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        GroupCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_are_case_insensitive() {
        assert_eq!(
            GroupCode::parse(" news ").unwrap(),
            GroupCode::parse("NEWS").unwrap()
        );
        assert_eq!(
            GroupCode::parse("Kunden-2024").unwrap().as_str(),
            "KUNDEN-2024"
        );
        assert_eq!(GroupCode::parse("grüße").unwrap().as_str(), "GRÜSSE");
    }

    #[test]
    fn bad_codes_are_named() {
        assert_eq!(GroupCode::parse(""), Err(GroupCodeError::Empty));
        assert_eq!(
            GroupCode::parse("two words"),
            Err(GroupCodeError::InvalidChar("two words".into()))
        );
        assert!(matches!(
            GroupCode::parse(&"x".repeat(33)),
            Err(GroupCodeError::TooLong(_))
        ));
    }

    proptest! {
        #[test]
        fn parsing_is_idempotent(s in "[A-Za-z0-9_-]{1,32}") {
            let code = GroupCode::parse(&s).unwrap();
            prop_assert_eq!(GroupCode::parse(code.as_str()).unwrap(), code);
        }
    }
}
