//! From a claimed message to what the channel sends: the send's spec, the text with the
//! contact's placeholders filled (R20), the segment count, the segment limit.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bote_domain::SendId;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::time::Duration;

use base64::Engine;
use bote_channels::whatsapp_cloud::CloudNumber;
use bote_channels::{OutboundSms, OutboundWhatsapp, SmsBody, WhatsappContent};
use bote_domain::sms::{ConcatRef, analyze};
use bote_store::{ClaimedMessage, ContactStore, OutboxStore, StoreError};

use crate::sending::SendSpec;

pub struct ReadySms {
    pub sms: OutboundSms,
    pub segments: u32,
}

pub enum Built {
    Ready(ReadySms),
    /// Through the sandbox WhatsApp channel.
    ReadyWhatsapp(OutboundWhatsapp),
    /// Through the Cloud API, from this number (set by the dispatcher's routing).
    ReadyCloud(CloudNumber, OutboundWhatsapp),
    /// Cannot be sent; the message fails with this reason.
    Fail(String),
    /// Held in the store until this time: outside its send's window until it opens, or
    /// paced behind its connection's other work (`pacing`).
    Defer(DateTime<Utc>),
}

type ReadSpec = Arc<Result<SendSpec, String>>;

/// Each message's send spec; a batch mostly holds messages of a few sends, so each send's
/// spec is read once.
fn specs_of(claimed: &[ClaimedMessage]) -> Vec<ReadSpec> {
    let mut by_send: HashMap<SendId, ReadSpec> = HashMap::new();
    claimed
        .iter()
        .map(|m| {
            by_send
                .entry(m.send_id)
                .or_insert_with(|| {
                    Arc::new(
                        SendSpec::deserialize(&m.content)
                            .map_err(|e| format!("unreadable send content: {e}")),
                    )
                })
                .clone()
        })
        .collect()
}

/// When each message's send window next opens, `None` where it is open at `now` (or the
/// send has no window); worked out once per send.
fn holds_of(
    claimed: &[ClaimedMessage],
    specs: &[ReadSpec],
    now: DateTime<Utc>,
) -> Vec<Option<DateTime<Utc>>> {
    let mut by_send: HashMap<SendId, Option<DateTime<Utc>>> = HashMap::new();
    claimed
        .iter()
        .zip(specs)
        .map(|(m, spec)| {
            *by_send
                .entry(m.send_id)
                .or_insert_with(|| match spec.as_ref() {
                    Ok(SendSpec {
                        window: Some(window),
                        ..
                    }) => window.next_open(now),
                    _ => None,
                })
        })
        .collect()
}

pub async fn build_sms<S>(
    store: &S,
    claimed: &[ClaimedMessage],
    now: DateTime<Utc>,
) -> Result<Vec<Built>, StoreError>
where
    S: OutboxStore + ContactStore + ?Sized,
{
    let specs = specs_of(claimed);
    let holds = holds_of(claimed, &specs, now);
    let contacts = personal_values(store, claimed, &specs, &holds).await?;
    Ok(each(claimed, specs, holds, |message, spec| {
        build_one(message, spec, contacts.get(&message.id.0))
    }))
}

/// `build` for each message that goes out now; the others fail (unreadable spec) or are
/// held until their window opens.
fn each(
    claimed: &[ClaimedMessage],
    specs: Vec<ReadSpec>,
    holds: Vec<Option<DateTime<Utc>>>,
    build: impl Fn(&ClaimedMessage, &SendSpec) -> Built,
) -> Vec<Built> {
    claimed
        .iter()
        .zip(specs)
        .zip(holds)
        .map(|((message, spec), hold)| match (spec.as_ref(), hold) {
            (Err(reason), _) => Built::Fail(reason.clone()),
            (Ok(_), Some(until)) => Built::Defer(until),
            (Ok(spec), None) => build(message, spec),
        })
        .collect()
}

/// WhatsApp messages are broadcasts (R20): the same content for every recipient.
pub fn build_whatsapp(claimed: &[ClaimedMessage], now: DateTime<Utc>) -> Vec<Built> {
    let specs = specs_of(claimed);
    let holds = holds_of(claimed, &specs, now);
    each(claimed, specs, holds, whatsapp_one)
}

fn whatsapp_one(message: &ClaimedMessage, spec: &SendSpec) -> Built {
    let content = match (&spec.template, &spec.media, &spec.text) {
        (Some(t), _, _) => WhatsappContent::Template {
            name: t.name.clone(),
            language: t.language.clone(),
            parameters: t.parameters.clone(),
        },
        (None, Some(media), text) => WhatsappContent::Media {
            kind: media.kind,
            link: media.url.clone(),
            caption: media.caption.clone().or_else(|| text.clone()),
            filename: media.filename.clone(),
        },
        (None, None, Some(text)) if !text.is_empty() => {
            WhatsappContent::Text { body: text.clone() }
        }
        (None, None, _) => return Built::Fail("the WhatsApp message has no content".into()),
    };
    Built::ReadyWhatsapp(OutboundWhatsapp {
        message_id: message.id.0,
        to: message.recipient.clone(),
        from: spec.sender.as_ref().map(|s| s.address.clone()),
        content,
    })
}

/// Placeholder values of the contacts of personalised messages that go out now, by
/// message id; one store query per account in the batch.
async fn personal_values<S>(
    store: &S,
    claimed: &[ClaimedMessage],
    specs: &[ReadSpec],
    holds: &[Option<DateTime<Utc>>],
) -> Result<HashMap<i64, BTreeMap<String, String>>, StoreError>
where
    S: OutboxStore + ContactStore + ?Sized,
{
    let mut wanted: HashMap<bote_domain::AccountId, Vec<bote_domain::ContactId>> = HashMap::new();
    for ((m, spec), hold) in claimed.iter().zip(specs).zip(holds) {
        if let (Ok(spec), Some(contact), None) = (spec.as_ref(), m.contact_id, hold)
            && spec.personalised
        {
            wanted.entry(m.account).or_default().push(contact);
        }
    }
    let mut by_contact = HashMap::new();
    for (account, ids) in wanted {
        for c in store.contacts_by_ids(account, &ids).await? {
            let mut values = c.fields.clone();
            values.insert(
                "first_name".into(),
                c.first_name.clone().unwrap_or_default(),
            );
            values.insert("last_name".into(), c.last_name.clone().unwrap_or_default());
            by_contact.insert(c.id, values);
        }
    }
    Ok(claimed
        .iter()
        .filter_map(|m| Some((m.id.0, by_contact.get(&m.contact_id?)?.clone())))
        .collect())
}

fn build_one(
    message: &ClaimedMessage,
    spec: &SendSpec,
    values: Option<&BTreeMap<String, String>>,
) -> Built {
    let (body, segments) = match &spec.binary {
        Some(encoded) => match binary_body(encoded, spec.udh) {
            Ok(body) => (body, encoded.len()),
            Err(reason) => return Built::Fail(reason),
        },
        None => {
            let text = text_of(spec, values);
            let segments = analyze(&text, ConcatRef::Bits8).segments;
            (SmsBody::Text(text), segments)
        }
    };
    if let Some(max) = spec.max_segments
        && segments > max as usize
    {
        return Built::Fail(format!(
            "the message needs {segments} segments, more than the allowed {max}"
        ));
    }
    Built::Ready(ReadySms {
        segments: segments as u32,
        sms: OutboundSms {
            message_id: message.id.0,
            to: message.recipient.clone(),
            sender: spec.sender.clone(),
            body,
            flash: spec.flash,
            validity: spec.validity_secs.map(|s| Duration::from_secs(s.into())),
            priority: spec.priority,
            want_receipt: true,
        },
    })
}

/// The text with the contact's placeholders filled when the send is personalised.
fn text_of(spec: &SendSpec, values: Option<&BTreeMap<String, String>>) -> String {
    let template = spec.text.clone().unwrap_or_default();
    if spec.personalised {
        bote_domain::placeholders::render(&template, values.unwrap_or(&BTreeMap::new()))
    } else {
        template
    }
}

/// websms binary: the stored base64 segments, decoded.
fn binary_body(encoded: &[String], udh: bool) -> Result<SmsBody, String> {
    let segments = encoded
        .iter()
        .map(|s| base64::engine::general_purpose::STANDARD.decode(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("unreadable binary segment: {e}"))?;
    if segments.is_empty() {
        return Err("the binary message has no segments".into());
    }
    Ok(SmsBody::Binary { segments, udh })
}

#[cfg(test)]
mod tests {
    use bote_domain::{AccountId, MessageId, PhoneNumber, Region};

    use super::*;

    fn claimed(id: i64, send: i64, window: serde_json::Value) -> ClaimedMessage {
        ClaimedMessage {
            id: MessageId(id),
            claim: bote_store::ClaimToken(id),
            send_id: SendId(send),
            account: AccountId(1),
            recipient: PhoneNumber::parse("+436761234567", Region::AUSTRIA).unwrap(),
            contact_id: None,
            attempts: 0,
            content: serde_json::json!({"text": "Hallo", "window": window}),
        }
    }

    #[test]
    fn messages_outside_their_window_are_held_until_it_opens() {
        // Thursday 2026-11-26 06:00 UTC = 07:00 in Vienna.
        let now: DateTime<Utc> = "2026-11-26T06:00:00Z".parse().unwrap();
        let closed =
            serde_json::json!({"from": "08:00", "to": "20:00", "time_zone": "Europe/Vienna"});
        let open =
            serde_json::json!({"from": "06:30", "to": "20:00", "time_zone": "Europe/Vienna"});
        let batch = [
            claimed(1, 10, closed.clone()),
            claimed(2, 20, open),
            claimed(3, 10, closed),
        ];
        let built = build_whatsapp(&batch, now);
        let opens: DateTime<Utc> = "2026-11-26T07:00:00Z".parse().unwrap();
        assert!(matches!(built[0], Built::Defer(t) if t == opens));
        assert!(matches!(built[1], Built::ReadyWhatsapp(_)));
        assert!(matches!(built[2], Built::Defer(t) if t == opens));
    }

    #[test]
    fn binary_messages_carry_their_decoded_segments() {
        let mut m = claimed(1, 10, serde_json::Value::Null);
        m.content = serde_json::json!({"binary": ["BQADKgIB3q0=", "BQADKgIC"], "udh": true});
        let spec = SendSpec::deserialize(&m.content).unwrap();
        let Built::Ready(ready) = build_one(&m, &spec, None) else {
            panic!("binary message not built");
        };
        assert_eq!(ready.segments, 2);
        assert_eq!(
            ready.sms.body,
            SmsBody::Binary {
                segments: vec![
                    vec![5, 0, 3, 0x2a, 2, 1, 0xde, 0xad],
                    vec![5, 0, 3, 0x2a, 2, 2]
                ],
                udh: true
            }
        );
        let limited = SendSpec {
            max_segments: Some(1),
            ..spec
        };
        assert!(matches!(build_one(&m, &limited, None), Built::Fail(_)));
        let broken = SendSpec {
            binary: Some(vec!["%%".into()]),
            ..SendSpec::default()
        };
        assert!(matches!(build_one(&m, &broken, None), Built::Fail(_)));
    }
}
