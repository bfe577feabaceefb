//! bote: self-hosted business messaging. The binary's `main` only calls [`cli::run`]; the
//! library builds the app so tests start it the same way users do.

pub mod accounts;
pub mod addon;
pub mod api;
pub mod app;
pub mod auth;
pub mod bootstrap;
pub mod callbacks;
pub mod cli;
pub mod config;
pub mod connections;
pub mod consent;
pub mod contacts_csv;
pub mod dispatch;
pub mod email;
pub mod inbound;
pub mod media;
pub mod memory;
pub mod metrics;
pub mod numbers;
pub mod rate_limit;
pub mod send_slots;
pub mod sending;
pub mod stats;
pub mod store_open;
pub mod web;
pub mod webhooks;
pub mod websms;
pub mod widget;

pub use app::{App, AppState};
pub use config::Config;

/// Installs the TLS crypto provider (ring) for outgoing HTTPS; safe to call repeatedly.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
