//! The WhatsApp Cloud API webhook: its body is checked against the app secret's signature,
//! but an app secret is a tenant's, and Meta's payloads change; the body is untrusted.

use bote_domain::{AccountId, ChannelKind, MessageStatus};
use bote_wire::whatsapp_webhook::{
    CLOUD_CONNECTION, Metadata, Notification, Owner, WebhookEvent, events_of, parse,
};

/// Reading never panics; a refused body is told why. The events of an accepted
/// notification are exactly, in order, per change of the `messages` field (or none named)
/// to a known business number: a receipt for each status of a known kind, then an inbound
/// message for each message. A change to any other number yields nothing.
pub fn webhook(data: &[u8]) {
    let notification = match parse(data) {
        Ok(notification) => notification,
        Err(why) => {
            assert!(!why.is_empty());
            return;
        }
    };
    let expected = expected(&notification);
    let events = events_of(notification, |metadata| {
        business_number(metadata).map(|number| Owner {
            number,
            account: ACCOUNT,
        })
    });
    assert_eq!(events.len(), expected.len(), "{events:?}");
    for (event, want) in events.iter().zip(&expected) {
        match (event, want) {
            (WebhookEvent::Receipt(r), Expected::Receipt { wamid, status }) => {
                assert_eq!(r.connection, CLOUD_CONNECTION);
                assert_eq!(r.account, Some(ACCOUNT), "only its number's account");
                assert_eq!(r.provider_ids, [wamid.as_str()], "the wamid it reports on");
                assert_eq!(r.status, *status);
                assert_eq!(r.error_code.is_some(), *status == MessageStatus::Failed);
            }
            (
                WebhookEvent::Inbound(m),
                Expected::Inbound {
                    wamid,
                    from,
                    to,
                    kind,
                },
            ) => {
                assert_eq!(
                    (m.channel, m.connection.as_str()),
                    (ChannelKind::Whatsapp, CLOUD_CONNECTION)
                );
                assert_eq!(m.provider_id.as_ref(), Some(wamid), "the message's wamid");
                assert_eq!(&m.to, to, "the number of its change's phone_number_id");
                assert_eq!(m.from, format!("+{}", from.trim_start_matches('+')));
                assert_eq!(&m.kind, kind);
                assert!(m.text.as_ref().is_none_or(|t| !t.is_empty()));
            }
            (event, want) => panic!("{event:?} where {want:?} was due"),
        }
    }
}

/// The account every known number belongs to here.
const ACCOUNT: AccountId = AccountId(1);

/// Meta's phone number ids are digits; any other id stands for a number bote does not
/// serve (the server drops changes of numbers outside the signing app).
fn business_number(metadata: Option<&Metadata>) -> Option<String> {
    let id = metadata?.phone_number_id.as_deref()?;
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| format!("+{id}"))
}

#[derive(Debug)]
enum Expected {
    Receipt {
        wamid: String,
        status: MessageStatus,
    },
    Inbound {
        wamid: String,
        from: String,
        to: String,
        kind: String,
    },
}

fn expected(notification: &Notification) -> Vec<Expected> {
    let mut due = Vec::new();
    for change in notification.entry.iter().flat_map(|e| &e.changes) {
        if change.field.as_deref().is_some_and(|f| f != "messages") {
            continue;
        }
        let Some(value) = &change.value else { continue };
        let Some(to) = business_number(value.metadata.as_ref()) else {
            continue;
        };
        for status in &value.statuses {
            let status_now = match status.status.as_str() {
                "sent" => MessageStatus::Sent,
                "delivered" => MessageStatus::Delivered,
                "read" => MessageStatus::Read,
                "failed" => MessageStatus::Failed,
                _ => continue,
            };
            due.push(Expected::Receipt {
                wamid: status.id.clone(),
                status: status_now,
            });
        }
        for message in &value.messages {
            due.push(Expected::Inbound {
                wamid: message.id.clone(),
                from: message.from.clone(),
                to: to.clone(),
                kind: message.kind.clone(),
            });
        }
    }
    due
}
