//! The websms-compatible REST API: existing websms clients work against bote by changing
//! only their base URL. Request bodies are read by `bote_wire::websms`.

mod handlers;
pub mod status;

pub use bote_wire::websms::{Content, Endpoint, MAX_RECIPIENTS, WebsmsRequest, WebsmsStatus};
pub use handlers::router;
pub use status::{Refusal, WebsmsResponse, parse_transfer_id, transfer_id};
