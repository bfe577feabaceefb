//! The inbound pipeline: every message a channel receives is stored (routed to the account
//! that owns the business number it was sent to), marked unprocessed in the same write,
//! before the channel acknowledges it; each new one of an account then goes through
//! keywords and opt-ins (`crate::consent`, R7, R10–R12) and forwarding, and is marked
//! processed. A provider's repeat of a message is stored once and runs keywords once.
//! Channels of a running server go through the group-committing `InboundWriter`; [`receive`]
//! is the same for one message on its own (the CLI).

use bote_domain::{PhoneNumber, Region};
use bote_store::{InboundRecord, NewInbound, Store};

use super::process::{LEASE, process};
use crate::addon::PackageCaps;

/// Stores one inbound message and processes it if it is new; a provider's repeat of a
/// message id is stored once.
pub async fn receive(
    store: &dyn Store,
    caps: &PackageCaps,
    message: NewInbound,
) -> anyhow::Result<InboundRecord> {
    let (record, new) = store
        .record_inbound_batch(vec![message], LEASE)
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("the store returned no record"))?;
    note(&record, new);
    if new && record.account.is_some() {
        process(store, caps, vec![record.clone()]).await;
    }
    Ok(record)
}

/// Counts and logs a stored message.
pub(super) fn note(record: &InboundRecord, new: bool) {
    if new {
        metrics::counter!(crate::metrics::INBOUND, "channel" => record.channel.as_str())
            .increment(1);
    }
    match (new, record.account) {
        (false, _) => {
            tracing::debug!(id = record.id, provider_id = ?record.provider_id, "inbound message delivered again; kept once")
        }
        (true, Some(_)) => {}
        (true, None) => tracing::warn!(
            id = record.id,
            channel = %record.channel,
            to = %record.to,
            "inbound message to a number no account owns; kept unrouted"
        ),
    }
}

/// A sender's address as E.164 when it reads as a phone number (SMSCs send international
/// numbers as digits without '+'), else unchanged.
pub fn normalise_from(raw: &str, region: Region) -> String {
    let raw = raw.trim();
    let international = if raw.chars().all(|c| c.is_ascii_digit()) && raw.len() > 7 {
        format!("+{raw}")
    } else {
        raw.to_owned()
    };
    PhoneNumber::parse(&international, region)
        .or_else(|_| PhoneNumber::parse(raw, region))
        .map(|n| n.as_str().to_owned())
        .unwrap_or_else(|_| raw.to_owned())
}

/// A business number as stored: `+` and digits for phone numbers, bare digits for short
/// codes (up to 7 digits).
pub fn normalise_to(raw: &str) -> String {
    let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() <= 7 && !raw.trim_start().starts_with('+') {
        digits
    } else {
        format!("+{}", digits.trim_start_matches("00"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_and_business_numbers_are_normalised() {
        assert_eq!(
            normalise_from("436761234567", Region::AUSTRIA),
            "+436761234567"
        );
        assert_eq!(
            normalise_from("+43 676 1234567", Region::AUSTRIA),
            "+436761234567"
        );
        assert_eq!(
            normalise_from("0676 1234567", Region::AUSTRIA),
            "+436761234567"
        );
        assert_eq!(normalise_from("INFO", Region::AUSTRIA), "INFO");
        assert_eq!(normalise_to("0828"), "0828");
        assert_eq!(normalise_to("43800100100"), "+43800100100");
        assert_eq!(normalise_to("+43 800 100100"), "+43800100100");
        assert_eq!(normalise_to("0043800100100"), "+43800100100");
    }
}
