//! Emails to an account's owners: the link to their opt-in widget when an account manager
//! activates WhatsApp (R8), and a reminder before a test account's trial ends (R5).
//!
//! Each kind goes to an account once, recorded in the store after the SMTP server took it
//! ([`send_once`]). Activation sends at once in the background and never holds up the
//! activation; a failure is logged and tried again, first a few times soon, then by the
//! periodic check ([`MailCheck`]), which also finds trials that end soon.

mod check;
mod messages;
mod recipients;
mod send;
mod transport;

pub use check::{CHECK_INTERVAL, CheckReport, MailCheck, TRIAL_REMINDER_BEFORE};
pub use messages::{Email, activation_email, trial_email};
pub use recipients::owner_addresses;
pub use send::{SendOnce, after_activation, send_once};
pub use transport::Mailer;
