//! websms request bodies, read the way websms reads them, and the status codes that refuse
//! them. The server answers with these codes over HTTP (`bote::websms`).

pub mod request;
pub mod status;

pub use request::{Content, Endpoint, MAX_RECIPIENTS, WebsmsRequest, parse, parse_json};
pub use status::WebsmsStatus;
