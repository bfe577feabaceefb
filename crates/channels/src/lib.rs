//! Channels carry messages to providers and bring back what providers report.
//!
//! A channel takes one outbound message at a time ([`SmsChannel::send`],
//! [`WhatsappChannel::send`]) and answers with a
//! [`SendOutcome`]; what arrives later — delivery reports and inbound messages — goes to an
//! [`EventSink`], which returns only once the event is stored durably, so a channel can
//! acknowledge it to the provider without risk of losing it.

mod events;
mod outbound;
mod routes;
pub mod sandbox;
pub mod shared_slots;
pub mod smpp;
pub mod throttle;
mod whatsapp;
pub mod whatsapp_cloud;

pub use events::{DeliveryReport, EventSink, InboundSms, ReceiptState};
pub use outbound::{OutboundSms, SendOutcome, SmsBody, SmsChannel};
pub use routes::SmsRoutes;
pub use whatsapp::{OutboundWhatsapp, WhatsappChannel, WhatsappContent};
