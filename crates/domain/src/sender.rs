//! Sender addresses of SMS: alphanumeric names, international or national numbers, short codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::UnknownValue;

/// The kind of a sender address, as websms names it (`senderAddressType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SenderKind {
    Alphanumeric,
    International,
    National,
    Shortcode,
}

impl SenderKind {
    /// SMPP type of number and numbering plan indicator.
    pub fn ton_npi(&self) -> (u8, u8) {
        match self {
            SenderKind::Alphanumeric => (5, 0),
            SenderKind::International => (1, 1),
            SenderKind::National => (2, 1),
            SenderKind::Shortcode => (3, 0),
        }
    }

    /// The kind a sender address most likely is when none is named: digits of short-code
    /// length are a short code, longer digits an international number, anything else a name.
    pub fn guess(address: &str) -> SenderKind {
        let digits = address.trim().trim_start_matches('+');
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            SenderKind::Alphanumeric
        } else if digits.len() <= 8 {
            SenderKind::Shortcode
        } else {
            SenderKind::International
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            SenderKind::Alphanumeric => "alphanumeric",
            SenderKind::International => "international",
            SenderKind::National => "national",
            SenderKind::Shortcode => "shortcode",
        }
    }
}

impl fmt::Display for SenderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SenderKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "alphanumeric" => Ok(SenderKind::Alphanumeric),
            "international" => Ok(SenderKind::International),
            "national" => Ok(SenderKind::National),
            "shortcode" => Ok(SenderKind::Shortcode),
            _ => Err(UnknownValue {
                kind: "sender address type",
                value: s.into(),
                allowed: &["alphanumeric", "international", "national", "shortcode"],
            }),
        }
    }
}

/// A validated sender address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sender {
    pub kind: SenderKind,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SenderError {
    #[error("alphanumeric sender '{0}' must be 1 to 11 letters, digits, spaces or .-_&")]
    BadAlphanumeric(String),
    #[error("{kind} sender '{address}' must be digits only (at most 15, short codes 3 to 8)")]
    BadNumber { kind: SenderKind, address: String },
}

impl Sender {
    pub fn parse(address: &str, kind: SenderKind) -> Result<Sender, SenderError> {
        let address = address.trim();
        let ok = match kind {
            SenderKind::Alphanumeric => {
                let n = address.chars().count();
                (1..=11).contains(&n)
                    && address
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || " .-_&".contains(c))
            }
            SenderKind::International | SenderKind::National => {
                let digits = address.strip_prefix('+').unwrap_or(address);
                (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
            }
            SenderKind::Shortcode => {
                (3..=8).contains(&address.len()) && address.bytes().all(|b| b.is_ascii_digit())
            }
        };
        if !ok {
            return Err(match kind {
                SenderKind::Alphanumeric => SenderError::BadAlphanumeric(address.into()),
                _ => SenderError::BadNumber {
                    kind,
                    address: address.into(),
                },
            });
        }
        let address = match kind {
            SenderKind::International => address.trim_start_matches('+').to_owned(),
            _ => address.to_owned(),
        };
        Ok(Sender { kind, address })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_are_checked_by_kind() {
        assert_eq!(
            Sender::parse("bote", SenderKind::Alphanumeric)
                .unwrap()
                .address,
            "bote"
        );
        assert!(Sender::parse("TwelveChars!", SenderKind::Alphanumeric).is_err());
        assert_eq!(
            Sender::parse("+4367612345", SenderKind::International)
                .unwrap()
                .address,
            "4367612345"
        );
        assert!(Sender::parse("43abc", SenderKind::International).is_err());
        assert!(Sender::parse("12", SenderKind::Shortcode).is_err());
        assert_eq!(SenderKind::Alphanumeric.ton_npi(), (5, 0));
        assert_eq!(
            "NATIONAL".parse::<SenderKind>().unwrap(),
            SenderKind::National
        );
    }
}
