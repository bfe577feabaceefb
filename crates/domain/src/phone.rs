//! Phone numbers, parsed once at the edge into E.164 with libphonenumber's metadata.

use std::fmt;
use std::str::FromStr;

use phonenumber::country::Id;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A country whose national numbering plan resolves numbers written without a country code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region(Id);

impl Region {
    /// Austria, the default region of bote.
    pub const AUSTRIA: Region = Region(Id::AT);

    pub fn code(&self) -> String {
        let code: &str = self.0.as_ref();
        code.to_owned()
    }
}

impl Default for Region {
    fn default() -> Self {
        Self::AUSTRIA
    }
}

impl FromStr for Region {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Id::from_str(&s.trim().to_ascii_uppercase())
            .map(Region)
            .map_err(|_| PhoneError::UnknownRegion(s.to_owned()))
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("phone number is empty")]
    Empty,
    #[error("'{0}' is not a valid phone number")]
    Invalid(String),
    #[error("'{0}' is not a known ISO 3166 region code")]
    UnknownRegion(String),
}

/// A valid phone number in E.164 form (`+436761234567`).
///
/// The only way to get one is [`PhoneNumber::parse`] (or [`PhoneNumber::from_e164_unchecked`]
/// for values read back from the store), so past the edge every number is valid and canonical.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber(String);

/// The longest number E.164 allows, in digits.
const MAX_DIGITS: usize = 15;

impl PhoneNumber {
    /// Parses a number as people write it: `0676 1234567`, `+43 676 1234567`,
    /// `0043676/1234567` and `436761234567` are one number in region AT.
    pub fn parse(input: &str, region: Region) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let invalid = || PhoneError::Invalid(input.to_owned());
        let misplaced_plus = trimmed.rfind('+').is_some_and(|i| i > 0);
        if trimmed.len() > 40 || misplaced_plus || !trimmed.chars().all(is_phone_char) {
            return Err(invalid());
        }
        let digits = trimmed.chars().filter(char::is_ascii_digit).count();
        if digits < 3 {
            return Err(invalid());
        }
        if let Some(number) = parse_valid(trimmed, region) {
            return Ok(number);
        }
        // Digits with the country code but without `+` or `00` (websms MSISDNs such as
        // `436761234567`): read them as international when the national reading failed.
        let bare = trimmed.starts_with(|c: char| c.is_ascii_digit() && c != '0');
        if bare
            && digits <= MAX_DIGITS
            && let Some(number) = parse_valid(&format!("+{trimmed}"), region)
        {
            return Ok(number);
        }
        Err(invalid())
    }

    /// Wraps a value that is already canonical E.164, such as one read back from the store.
    pub fn from_e164_unchecked(e164: impl Into<String>) -> Self {
        Self(e164.into())
    }

    /// `+436761234567`
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without `+` (`436761234567`), as MSISDNs travel in SMPP and websms.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }
}

fn is_phone_char(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '/' | '(' | ')' | '.')
}

fn parse_valid(input: &str, region: Region) -> Option<PhoneNumber> {
    let parsed = phonenumber::parse(Some(region.0), input).ok()?;
    if !phonenumber::is_valid(&parsed) {
        return None;
    }
    let e164 = parsed.format().mode(phonenumber::Mode::E164).to_string();
    // The `phonenumber` crate keeps only one of several leading zeros of a national number
    // (Italian style, e.g. `+39 0001970793843`) when it formats E.164, so its E.164 can be a
    // different, invalid number. Only a number whose E.164 reads back as itself is taken.
    let again = phonenumber::parse(Some(region.0), &e164).ok()?;
    if !phonenumber::is_valid(&again)
        || again.format().mode(phonenumber::Mode::E164).to_string() != e164
    {
        return None;
    }
    Some(PhoneNumber(e164))
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.0)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Deserialising accepts only E.164 (`+` and digits); inputs in other forms go through
/// [`PhoneNumber::parse`] with the account's region at the edge.
impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        PhoneNumber::parse(&raw, Region::AUSTRIA).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> Result<PhoneNumber, PhoneError> {
        PhoneNumber::parse(s, Region::AUSTRIA)
    }

    #[test]
    fn austrian_forms_are_one_number() {
        for form in [
            "0676 1234567",
            "+43 676 1234567",
            "0043676/1234567",
            "436761234567",
            "+436761234567",
            " 0676-123 45 67 ",
            "(0676) 1234567",
        ] {
            assert_eq!(at(form).unwrap().as_str(), "+436761234567", "form {form:?}");
        }
    }

    #[test]
    fn foreign_numbers_keep_their_country() {
        assert_eq!(at("+49 151 23456789").unwrap().as_str(), "+4915123456789");
        assert_eq!(at("004915123456789").unwrap().as_str(), "+4915123456789");
        let de: Region = "de".parse().unwrap();
        assert_eq!(
            PhoneNumber::parse("0151 23456789", de).unwrap().as_str(),
            "+4915123456789"
        );
    }

    #[test]
    fn digits_drop_the_plus() {
        assert_eq!(at("0676 1234567").unwrap().digits(), "436761234567");
    }

    #[test]
    fn invalid_numbers_name_the_input() {
        assert_eq!(at(""), Err(PhoneError::Empty));
        assert_eq!(at("   "), Err(PhoneError::Empty));
        for bad in [
            "12",
            "abc",
            "0676 12x4567",
            "+43",
            "++436761234567",
            "0000000000",
        ] {
            assert_eq!(at(bad), Err(PhoneError::Invalid(bad.to_owned())), "{bad:?}");
        }
        let long = "1".repeat(50);
        assert!(at(&long).is_err());
    }

    #[test]
    fn unknown_region_is_an_error() {
        assert!(matches!(
            "XX".parse::<Region>(),
            Err(PhoneError::UnknownRegion(_))
        ));
        assert_eq!("at".parse::<Region>().unwrap(), Region::AUSTRIA);
    }

    #[test]
    fn serde_round_trip() {
        let n = at("0676 1234567").unwrap();
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, "\"+436761234567\"");
        let back: PhoneNumber = serde_json::from_str(&json).unwrap();
        assert_eq!(back, n);
        assert!(serde_json::from_str::<PhoneNumber>("\"nope\"").is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = at(&s);
        }

        #[test]
        fn canonical_form_is_a_fixed_point(sub in 1_000_000u32..9_999_999) {
            let n = at(&format!("0676 {sub}")).unwrap();
            prop_assert_eq!(at(n.as_str()).unwrap(), n.clone());
            prop_assert_eq!(at(n.digits()).unwrap(), n);
        }
    }
}
