//! Which business number a WhatsApp message goes out from, and how: the send's sender when
//! it is one of the account's WhatsApp numbers, else the account's first; through the Cloud
//! API when that number has credentials, else through the sandbox WhatsApp channel.
//!
//! Numbers change rarely, so each account's are read at most every [`SENDERS_TTL`]: a number
//! added now is used within seconds, and a busy dispatcher does not ask the store per batch.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bote_channels::OutboundWhatsapp;
use bote_channels::whatsapp_cloud::CloudNumber;
use bote_domain::AccountId;
use bote_store::{InboundStore, StoreResult, WhatsappNumber};

use crate::inbound::normalise_to;

/// The connection name of messages sent through the Cloud API (the webhook's receipts name
/// it too).
pub use bote_wire::whatsapp_webhook::CLOUD_CONNECTION;

/// How long an account's numbers are reused before they are read again.
pub const SENDERS_TTL: Duration = Duration::from_secs(2);

/// Where one WhatsApp message goes.
#[derive(Clone)]
pub enum WhatsappRoute {
    /// Through the Cloud API, from this number.
    Cloud(CloudNumber),
    /// Through the sandbox WhatsApp channel (no credentials, or no number at all).
    Sandbox,
}

/// The number a message goes out from: the one the send names when the account has it,
/// else the account's first WhatsApp number.
pub fn choose<'a>(
    numbers: &'a [WhatsappNumber],
    sender: Option<&str>,
) -> Option<&'a WhatsappNumber> {
    let named = sender.map(normalise_to);
    named
        .and_then(|named| numbers.iter().find(|n| n.number.number == named))
        .or_else(|| numbers.first())
}

/// The route of a message from `number` (none: the account has no WhatsApp number yet).
pub fn route_of(number: Option<&WhatsappNumber>) -> WhatsappRoute {
    match (number, number.and_then(|n| n.cloud.as_ref())) {
        (Some(n), Some(cloud)) => match &n.number.provider_ref {
            Some(id) => WhatsappRoute::Cloud(CloudNumber {
                phone_number_id: id.clone(),
                access_token: cloud.access_token.expose().to_owned(),
                messages_per_second: n.number.messages_per_second,
            }),
            None => WhatsappRoute::Sandbox,
        },
        _ => WhatsappRoute::Sandbox,
    }
}

/// Routes `message`: sets the number it goes out from and says through what.
pub fn route(numbers: &[WhatsappNumber], message: &mut OutboundWhatsapp) -> WhatsappRoute {
    let chosen = choose(numbers, message.from.as_deref());
    if let Some(n) = chosen {
        message.from = Some(n.number.number.clone());
    }
    route_of(chosen)
}

type Entries = HashMap<AccountId, (Instant, Arc<Vec<WhatsappNumber>>)>;

/// Each account's WhatsApp numbers, read again after [`SENDERS_TTL`].
#[derive(Default)]
pub struct SenderCache {
    entries: Mutex<Entries>,
}

impl SenderCache {
    pub async fn numbers<S>(
        &self,
        store: &S,
        account: AccountId,
    ) -> StoreResult<Arc<Vec<WhatsappNumber>>>
    where
        S: InboundStore + ?Sized,
    {
        let fresh = self
            .lock()
            .get(&account)
            .filter(|(read_at, _)| read_at.elapsed() < SENDERS_TTL)
            .map(|(_, numbers)| numbers.clone());
        if let Some(numbers) = fresh {
            return Ok(numbers);
        }
        let numbers = Arc::new(store.whatsapp_numbers(account).await?);
        self.lock()
            .insert(account, (Instant::now(), numbers.clone()));
        Ok(numbers)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use bote_channels::WhatsappContent;
    use bote_domain::{ChannelKind, PhoneNumber, Region};
    use bote_store::{BusinessNumber, CloudCredentials, Secret};

    use super::*;

    fn number(id: i64, number: &str, cloud: bool) -> WhatsappNumber {
        WhatsappNumber {
            number: BusinessNumber {
                id,
                account: AccountId(1),
                channel: ChannelKind::Whatsapp,
                number: number.into(),
                provider_ref: cloud.then(|| format!("10{id}")),
                cloud_api: cloud,
                messages_per_second: 120,
                created_at: chrono::Utc::now(),
            },
            cloud: cloud.then(|| CloudCredentials {
                access_token: Secret::new(format!("token-{id}")),
                app_secret: Secret::new("app"),
                verify_token: Secret::new("verify"),
            }),
        }
    }

    fn message(from: Option<&str>) -> OutboundWhatsapp {
        OutboundWhatsapp {
            message_id: 1,
            to: PhoneNumber::parse("+436761234567", Region::AUSTRIA).unwrap(),
            from: from.map(str::to_owned),
            content: WhatsappContent::Text {
                body: "Hallo".into(),
            },
        }
    }

    #[test]
    fn the_named_sender_wins_when_the_account_has_it() {
        let numbers = [
            number(1, "+43800100100", false),
            number(2, "+43800200200", true),
        ];
        let mut m = message(Some("43 800 200200"));
        let WhatsappRoute::Cloud(cloud) = route(&numbers, &mut m) else {
            panic!("a Cloud API number goes through the Cloud API");
        };
        assert_eq!(cloud.phone_number_id, "102");
        assert_eq!(cloud.access_token, "token-2");
        assert_eq!(cloud.messages_per_second, 120);
        assert_eq!(m.from.as_deref(), Some("+43800200200"));
    }

    #[test]
    fn otherwise_the_first_number_sends() {
        let numbers = [
            number(1, "+43800100100", false),
            number(2, "+43800200200", true),
        ];
        for sender in [None, Some("+43800999999")] {
            let mut m = message(sender);
            assert!(matches!(route(&numbers, &mut m), WhatsappRoute::Sandbox));
            assert_eq!(m.from.as_deref(), Some("+43800100100"), "{sender:?}");
        }
        let cloud_first = [number(2, "+43800200200", true)];
        let mut m = message(None);
        assert!(matches!(
            route(&cloud_first, &mut m),
            WhatsappRoute::Cloud(_)
        ));
    }

    #[test]
    fn an_account_without_numbers_uses_the_sandbox() {
        let mut m = message(Some("+43800100100"));
        assert!(matches!(route(&[], &mut m), WhatsappRoute::Sandbox));
        assert_eq!(m.from.as_deref(), Some("+43800100100"));
    }
}
