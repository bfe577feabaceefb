//! What comes back from channels: delivery reports, and inbound messages routed to the
//! account that owns the business number, stored with a durable "unprocessed" mark and
//! then run through keywords, opt-ins and forwarding.

mod events;
mod forward;
mod process;
mod processor;
mod receipts;
mod receive;
mod sandbox;
mod worker;
mod writer;

pub use events::Events;
pub use process::LEASE;
pub use processor::Processor;
pub use receipts::{ReceiptWriter, receipt_status};
pub use receive::{normalise_from, normalise_to, receive};
pub use sandbox::sandbox_message;
pub use worker::InboundWorker;
pub use writer::InboundWriter;
