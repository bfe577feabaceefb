//! bote's domain: the types every other crate speaks, parsed once at the edge.
//!
//! Nothing here performs I/O; the crate never sees a database, a socket or a runtime.

pub mod account;
pub mod group_code;
pub mod ids;
pub mod keywords;
pub mod media;
pub mod message;
pub mod package;
pub mod phone;
pub mod placeholders;
pub mod sender;
pub mod sms;
pub mod working_days;

pub use account::{Access, AccountKind, TRIAL_DAYS, TokenScope, UnknownValue, UserRole};
pub use group_code::{GroupCode, GroupCodeError};
pub use ids::{AccountId, CallbackId, ContactId, GroupId, MessageId, SendId, TokenId, UserId};
pub use keywords::{ExtraWords, Keyword, Parsed, Verb};
pub use media::MediaKind;
pub use message::{ChannelKind, MessageStatus};
pub use package::{OptInPolicy, Package, expected_ready};
pub use phone::{PhoneError, PhoneNumber, Region};
pub use sender::{Sender, SenderError, SenderKind};
