//! Answers to keywords: a normal send (source `keyword`) on the inbound message's channel,
//! to its sender, from the business number it was written to.

use bote_domain::{AccountId, ChannelKind, PhoneNumber, Region, Sender, SenderKind};
use bote_store::{InboundRecord, Store};

use crate::sending::{SendRequest, SendSpec, accept_reply};

/// `{code}` in a reply text stands for the group code.
pub fn fill(text: &str, code: Option<&str>) -> String {
    text.replace("{code}", code.unwrap_or_default())
}

/// Sends `text` back to the sender of `record`. A reply answers the sender's own message,
/// so it needs no opt-in (the confirmation of STOP goes out) and never gives one.
pub async fn send(
    store: &dyn Store,
    account: AccountId,
    record: &InboundRecord,
    to: &PhoneNumber,
    text: String,
) -> anyhow::Result<()> {
    let kind = match record.channel {
        ChannelKind::Whatsapp => SenderKind::International,
        ChannelKind::Sms => SenderKind::guess(&record.to),
    };
    let sender = Sender::parse(&record.to, kind).ok();
    let request = SendRequest {
        channel: record.channel,
        spec: SendSpec {
            text: Some(text),
            sender,
            ..SendSpec::default()
        },
        numbers: vec![to.as_str().to_owned()],
        contacts: vec![],
        groups: vec![],
        schedule_at: None,
        client_message_id: None,
        callback_url: None,
        test: false,
        source: "keyword",
    };
    // The number is E.164 already; the region is never used.
    let accepted = accept_reply(store, account, Region::AUSTRIA, request).await?;
    if accepted.acceptance.accepted == 0 {
        tracing::warn!(
            inbound = record.id,
            skipped = ?accepted.acceptance.skipped,
            "keyword reply not sent"
        );
    }
    Ok(())
}
