//! A user's own email address: checked once here for the API, the settings page, the admin
//! area and the CLI, then kept as text.

use bote_domain::UserId;
use bote_store::{Store, User};

use super::AccountError;

/// The longest address a mail server must accept (RFC 5321: 254 characters in a path).
pub const MAX_EMAIL_CHARS: usize = 254;

/// The address as kept: trimmed and parsed as lettre parses a recipient; blank is `None`.
pub fn checked_email(raw: Option<&str>) -> Result<Option<String>, AccountError> {
    let Some(email) = raw.map(str::trim).filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(AccountError::InvalidEmail(email.to_owned()));
    }
    email
        .parse::<lettre::Address>()
        .map(|address| Some(address.to_string()))
        .map_err(|_| AccountError::InvalidEmail(email.to_owned()))
}

/// Sets or (blank, `None`) removes `user`'s own address.
pub async fn set_email(
    store: &dyn Store,
    user: UserId,
    raw: Option<&str>,
) -> Result<User, AccountError> {
    let email = checked_email(raw)?;
    Ok(store.set_user_email(user, email.as_deref()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_blank_is_none() {
        assert_eq!(
            checked_email(Some("  anna@laden.example ")).unwrap(),
            Some("anna@laden.example".to_owned())
        );
        assert_eq!(checked_email(Some("   ")).unwrap(), None);
        assert_eq!(checked_email(None).unwrap(), None);
    }

    #[test]
    fn what_is_no_address_is_refused_naming_it() {
        let long = format!("{}@laden.example", "a".repeat(250));
        for bad in [
            "anna",
            "anna@",
            "@laden.example",
            "Anna <anna@laden.example>",
            &long,
        ] {
            let err = checked_email(Some(bad)).unwrap_err();
            assert!(matches!(err, AccountError::InvalidEmail(_)), "{bad}");
            assert!(err.to_string().contains("email"), "{err}");
        }
    }
}
