//! Answers to keywords: a normal send (source `keyword`) on the inbound message's channel,
//! to its sender, from the business number it was written to. The answers of messages
//! processed together go out as one send per channel, business number and text.

use bote_domain::{AccountId, ChannelKind, PhoneNumber, Region, Sender, SenderKind};
use bote_store::{InboundRecord, Store};

use crate::sending::{SendRequest, SendSpec, accept_reply};

/// `{code}` in a reply text stands for the group code.
pub fn fill(text: &str, code: Option<&str>) -> String {
    text.replace("{code}", code.unwrap_or_default())
}

/// Replies waiting to be sent, by channel, business number and text, in the order of
/// their first message; `slot` is the caller's index of the message answered.
#[derive(Default)]
pub(super) struct Replies {
    waiting: Vec<(ReplyKey, Vec<(PhoneNumber, usize)>)>,
}

type ReplyKey = (ChannelKind, String, String);

impl Replies {
    /// Queues `text` to the sender `to` of `record`.
    pub fn push(&mut self, record: &InboundRecord, to: &PhoneNumber, text: String, slot: usize) {
        let key = (record.channel, record.to.clone(), text);
        match self.waiting.iter_mut().find(|(k, _)| *k == key) {
            Some((_, to_all)) => to_all.push((to.clone(), slot)),
            None => self.waiting.push((key, vec![(to.clone(), slot)])),
        }
    }

    /// Sends what is queued, one send per channel, business number and text; returns the
    /// slots whose reply was accepted. A reply answers the sender's own message, so it needs
    /// no opt-in (the confirmation of STOP goes out) and never gives one. A reply that
    /// cannot go out is logged, not fatal: the consent change is stored already.
    pub async fn send(&mut self, store: &dyn Store, account: AccountId) -> Vec<usize> {
        let mut sent = Vec::new();
        for ((channel, business, text), to) in std::mem::take(&mut self.waiting) {
            let kind = match channel {
                ChannelKind::Whatsapp => SenderKind::International,
                ChannelKind::Sms => SenderKind::guess(&business),
            };
            let spec = SendSpec {
                text: Some(text),
                sender: Sender::parse(&business, kind).ok(),
                ..SendSpec::default()
            };
            let numbers = to.iter().map(|(n, _)| n.as_str().to_owned()).collect();
            let request = SendRequest::to_numbers(channel, spec, numbers, "keyword");
            // The numbers are E.164 already; the region is never used.
            match accept_reply(store, account, Region::AUSTRIA, request).await {
                Ok(accepted) => {
                    if !accepted.acceptance.skipped.is_empty() {
                        tracing::warn!(
                            account = account.0,
                            skipped = ?accepted.acceptance.skipped,
                            "keyword replies not sent to some senders"
                        );
                    }
                    sent.extend(to.iter().map(|(_, slot)| *slot));
                }
                Err(e) => tracing::warn!(
                    account = account.0,
                    replies = to.len(),
                    error = %e,
                    "keyword replies failed"
                ),
            }
        }
        sent
    }
}
