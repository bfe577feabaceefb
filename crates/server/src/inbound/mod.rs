//! What comes back from channels: delivery reports now; inbound messages with keywords and
//! opt-ins come with the WhatsApp work.

mod receipts;

pub use receipts::{ReceiptWriter, receipt_status};
