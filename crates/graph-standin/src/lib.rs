//! A local stand-in of Meta's Graph API (WhatsApp Business Platform Cloud API) for bote's
//! tests and benchmarks.
//!
//! It takes `POST /{version}/{phone_number_id}/messages` like Meta — bearer token per
//! number (401, code 190), Meta's body rules (400, code 100 naming the parameter), a
//! fresh `wamid.` per accepted message — and records each request. Faults can be
//! programmed ([`StandinHandle::fail_next`], `POST /_standin/faults`), as can recipients
//! that are not on WhatsApp (131026). With a webhook URL it posts Meta-shaped, signed
//! (`X-Hub-Signature-256`, [`sign`]) status webhooks — `sent`, `delivered`, optionally
//! `read`, or `failed` when programmed ([`StandinHandle::fail_status_next`]), batched and
//! retried — injects inbound messages ([`StandinHandle::inject_inbound`],
//! `POST /_standin/inbound`) and runs Meta's subscription handshake
//! ([`StandinHandle::verify_webhook`], `POST /_standin/verify`).
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use bote_graph_standin::{GraphStandin, StandinConfig};
//! let standin = GraphStandin::start(StandinConfig {
//!     numbers: vec!["1234:token:secret:+43800100100".parse().unwrap()],
//!     webhook_url: Some("http://127.0.0.1:8080/webhooks/whatsapp/{phone_number_id}".into()),
//!     ..StandinConfig::default()
//! })
//! .await?;
//! standin.fail_next(1, 131047, 400);
//! println!("{}", standin.base_url());
//! # Ok(()) }
//! ```

mod config;
mod control;
pub mod faults;
mod graph_error;
pub mod inbound;
mod messages;
pub mod records;
mod server;
pub mod sign;
mod state;
mod statuses;
mod validate;
mod webhook;

pub use config::{StandinConfig, StandinNumber};
pub use faults::Fault;
pub use inbound::{InboundContent, InboundMessage, InboundSent};
pub use records::{RecordedRequest, Stats};
pub use server::{GraphStandin, StandinHandle};
pub use sign::{SIGNATURE_HEADER, sign, verify};
pub use statuses::PER_CHANGE;
pub use webhook::WABA_ID;
