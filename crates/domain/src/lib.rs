//! bote's domain: the types every other crate speaks, parsed once at the edge.
//!
//! Nothing here performs I/O; the crate never sees a database, a socket or a runtime.

pub mod account;
pub mod group_code;
pub mod ids;
pub mod message;
pub mod phone;
pub mod sender;
pub mod sms;

pub use account::{Access, AccountKind, TokenScope, UnknownValue, UserRole, TRIAL_DAYS};
pub use ids::{AccountId, ContactId, GroupId, TokenId, UserId};
pub use group_code::{GroupCode, GroupCodeError};
pub use phone::{PhoneError, PhoneNumber, Region};
pub use message::{ChannelKind, MessageStatus};
pub use sender::{Sender, SenderError, SenderKind};
