//! Who is asking: credentials from the request, checked against the store, turned into a
//! [`Principal`]; extractors that state a handler's access in its signature.

mod credentials;
mod extractors;
mod limits;
mod password;
mod principal;
mod token;

pub use credentials::Credentials;
pub use extractors::{AccountManager, ClientIp, Manage, Read, Reader, Send, Tenant};
pub use limits::{ApiLimits, Limited};
pub use password::{PasswordCheck, generate_password, hash_password};
pub use principal::{Denied, Principal, Via, admit, authenticate};
pub use token::{NewTokenSecret, hash_token, new_token};
