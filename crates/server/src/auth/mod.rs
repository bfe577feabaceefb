//! Who is asking: credentials from the request, checked against the store, turned into a
//! [`Principal`]; extractors that state a handler's access in its signature.

mod credentials;
mod extractors;
mod password;
mod principal;
mod token;

pub use credentials::Credentials;
pub use extractors::{AccountManager, Manage, Read, Reader, Send, Tenant};
pub use password::{PasswordCheck, generate_password, hash_password};
pub use principal::{Principal, Via, authenticate};
pub use token::{NewTokenSecret, hash_token, new_token};
