//! Accounts (tenants), users and API token scopes as closed sets of values.

/// Days a test account lasts from its creation (R5).
pub const TRIAL_DAYS: i64 = 14;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::account::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::account::UnknownValue {
                        kind: stringify!($name),
                        value: s.to_owned(),
                        allowed: &[$($text),+],
                    }),
                }
            }
        }
    };
}
pub(crate) use string_enum;

/// A string that is none of the values of a closed set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not a valid {kind}; expected one of: {}", allowed.join(", "))]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
    pub allowed: &'static [&'static str],
}

string_enum!(
    /// A business account, or a 14-day test account limited to its verified number (R5).
    AccountKind { Business => "business", Test => "test" }
);

string_enum!(
    /// What a user may do. Owners and members belong to one account; account managers
    /// administer all accounts and belong to none.
    UserRole { Owner => "owner", Member => "member", AccountManager => "account_manager" }
);

string_enum!(
    /// What an API token may do.
    TokenScope { ReadOnly => "read_only", Send => "send", Full => "full" }
);

/// The kinds of access a request can need, ordered from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Read data of the account.
    Read,
    /// Read, and send messages.
    Send,
    /// Everything in the account: contacts, groups, settings.
    Manage,
}

impl TokenScope {
    pub fn allows(&self, access: Access) -> bool {
        let granted = match self {
            TokenScope::ReadOnly => Access::Read,
            TokenScope::Send => Access::Send,
            TokenScope::Full => Access::Manage,
        };
        access <= granted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_grant_in_order() {
        assert!(TokenScope::ReadOnly.allows(Access::Read));
        assert!(!TokenScope::ReadOnly.allows(Access::Send));
        assert!(TokenScope::Send.allows(Access::Send));
        assert!(!TokenScope::Send.allows(Access::Manage));
        assert!(TokenScope::Full.allows(Access::Manage));
    }

    #[test]
    fn unknown_values_list_the_allowed_ones() {
        let err = "admin".parse::<TokenScope>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "'admin' is not a valid TokenScope; expected one of: read_only, send, full"
        );
        assert_eq!("test".parse::<AccountKind>().unwrap(), AccountKind::Test);
    }
}
