//! SMPP 3.4 client (ESME).
//!
//! A hand-written codec ([`pdu`], [`codec`]) under bote's own session logic ([`session`]): bind,
//! a window of outstanding submit_sm matched by sequence number, enquire_link, response
//! timeouts, throttling ([`throttle`]) and reconnection ([`connector`]). Receipts and
//! MO messages ([`inbound`], [`receipt`], [`reassembly`]) reach the [`EventSink`]
//! before the SMSC's deliver_sm is answered. `smpps://` runs the same over rustls
//! ([`tls`], `ring` provider).
//!
//! Delivery is at least once: a connection lost with submits in flight answers them
//! `Retry`, and the SMSC may already have taken some (at most the window); a
//! concatenated message whose later part fails is retried whole.
//!
//! ```no_run
//! # async fn demo(sink: std::sync::Arc<dyn bote_channels::EventSink>) {
//! use bote_channels::SmsChannel;
//! use bote_channels::smpp::{SmppConfig, SmppConnector};
//! let cfg = SmppConfig::parse("smpp://bote:secret@smsc.example:2775?window=32").unwrap();
//! let smpp = SmppConnector::start("smsc-a", cfg, sink);
//! println!("{:?}", smpp.state());
//! smpp.close().await;
//! # }
//! ```
//!
//! [`EventSink`]: crate::EventSink

pub mod codec;
pub mod connector;
pub mod inbound;
pub mod pdu;
pub mod reassembly;
pub mod receipt;
pub mod session;
mod session_tasks;
pub mod status;
pub mod submit;
pub mod tls;
pub mod url;

pub use crate::throttle;

pub use connector::{ConnectionState, SmppConnector};
pub use receipt::id_variants;
pub use url::{BindMode, ConcatMode, SmppConfig, SmppUrlError};
