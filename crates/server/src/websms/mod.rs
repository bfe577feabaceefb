//! The websms-compatible REST API: existing websms clients work against bote by changing
//! only their base URL.

mod handlers;
pub mod request;
pub mod status;

pub use handlers::router;
pub use request::{Content, Endpoint, MAX_RECIPIENTS, WebsmsRequest};
pub use status::{WebsmsResponse, WebsmsStatus, parse_transfer_id, transfer_id};
