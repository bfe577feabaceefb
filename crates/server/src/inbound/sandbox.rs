//! A message from the sandbox handset: what a customer would send, as the sandbox channel
//! of its kind receives it. The API and `bote sandbox inbound` both make it here.

use bote_channels::sandbox::{SANDBOX_NAME, SANDBOX_WHATSAPP_NAME};
use bote_domain::{ChannelKind, PhoneNumber};
use bote_store::NewInbound;
use chrono::Utc;
use rand::Rng;

/// `text` from `from` to the business number `to` (already normalised), on `channel`'s
/// sandbox connection, with a fresh provider id.
pub fn sandbox_message(
    channel: ChannelKind,
    from: &PhoneNumber,
    to: String,
    text: String,
) -> NewInbound {
    let connection = match channel {
        ChannelKind::Sms => SANDBOX_NAME,
        ChannelKind::Whatsapp => SANDBOX_WHATSAPP_NAME,
    };
    NewInbound {
        channel,
        connection: connection.to_owned(),
        from: from.as_str().to_owned(),
        to,
        kind: "text".into(),
        text: Some(text),
        provider_id: Some(format!("sbx-in-{:016x}", rand::rng().random::<u64>())),
        received_at: Utc::now(),
    }
}
