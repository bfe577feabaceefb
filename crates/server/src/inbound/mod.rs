//! What comes back from channels: delivery reports, and inbound messages routed to the
//! account that owns the business number (keywords and opt-ins come with the WhatsApp work).

mod events;
mod forward;
mod receipts;
mod receive;
mod sandbox;

pub use events::Events;
pub use forward::forward;
pub use receipts::{ReceiptWriter, receipt_status};
pub use receive::{normalise_from, normalise_to, receive};
pub use sandbox::sandbox_message;
