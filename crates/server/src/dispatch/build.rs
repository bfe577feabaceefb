//! From a claimed message to what the channel sends: the send's spec, the text with the
//! contact's placeholders filled (R20), the segment count, the segment limit.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bote_domain::SendId;
use serde::Deserialize;
use std::time::Duration;

use bote_channels::{OutboundSms, OutboundWhatsapp, WhatsappContent};
use bote_domain::sms::{ConcatRef, analyze};
use bote_store::{ClaimedMessage, ContactStore, OutboxStore, StoreError};

use crate::sending::SendSpec;

pub struct ReadySms {
    pub sms: OutboundSms,
    pub segments: u32,
}

pub enum Built {
    Ready(ReadySms),
    ReadyWhatsapp(OutboundWhatsapp),
    /// Cannot be sent; the message fails with this reason.
    Fail(String),
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

pub async fn build_sms<S>(store: &S, claimed: &[ClaimedMessage]) -> Result<Vec<Built>, StoreError>
where
    S: OutboxStore + ContactStore + ?Sized,
{
    let specs = specs_of(claimed);
    let contacts = personal_values(store, claimed, &specs).await?;
    Ok(claimed
        .iter()
        .zip(specs)
        .map(|(message, spec)| match spec.as_ref() {
            Ok(spec) => build_one(message, spec, contacts.get(&message.id.0)),
            Err(reason) => Built::Fail(reason.clone()),
        })
        .collect())
}

/// WhatsApp messages are broadcasts (R20): the same content for every recipient.
pub fn build_whatsapp(claimed: &[ClaimedMessage]) -> Vec<Built> {
    claimed
        .iter()
        .zip(specs_of(claimed))
        .map(|(message, spec)| match spec.as_ref() {
            Ok(spec) => whatsapp_one(message, spec),
            Err(reason) => Built::Fail(reason.clone()),
        })
        .collect()
}

fn whatsapp_one(message: &ClaimedMessage, spec: &SendSpec) -> Built {
    let content = match (&spec.media, &spec.text) {
        (Some(media), text) => WhatsappContent::Media {
            kind: media.kind,
            link: media.url.clone(),
            caption: media.caption.clone().or_else(|| text.clone()),
            filename: media.filename.clone(),
        },
        (None, Some(text)) if !text.is_empty() => WhatsappContent::Text { body: text.clone() },
        (None, _) => return Built::Fail("the WhatsApp message has no content".into()),
    };
    Built::ReadyWhatsapp(OutboundWhatsapp {
        message_id: message.id.0,
        to: message.recipient.clone(),
        from: spec.sender.as_ref().map(|s| s.address.clone()),
        content,
    })
}

/// Placeholder values of the contacts of personalised messages, by message id; one store
/// query per account in the batch.
async fn personal_values<S>(
    store: &S,
    claimed: &[ClaimedMessage],
    specs: &[ReadSpec],
) -> Result<HashMap<i64, BTreeMap<String, String>>, StoreError>
where
    S: OutboxStore + ContactStore + ?Sized,
{
    let mut wanted: HashMap<bote_domain::AccountId, Vec<bote_domain::ContactId>> = HashMap::new();
    for (m, spec) in claimed.iter().zip(specs) {
        if let (Ok(spec), Some(contact)) = (spec.as_ref(), m.contact_id)
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
    let template = spec.text.clone().unwrap_or_default();
    let text = if spec.personalised {
        bote_domain::placeholders::render(&template, values.unwrap_or(&BTreeMap::new()))
    } else {
        template
    };
    let info = analyze(&text, ConcatRef::Bits8);
    if let Some(max) = spec.max_segments
        && info.segments > max as usize
    {
        return Built::Fail(format!(
            "the text needs {} segments, more than the allowed {max}",
            info.segments
        ));
    }
    Built::Ready(ReadySms {
        segments: info.segments as u32,
        sms: OutboundSms {
            message_id: message.id.0,
            to: message.recipient.clone(),
            sender: spec.sender.clone(),
            text,
            flash: spec.flash,
            validity: spec.validity_secs.map(|s| Duration::from_secs(s.into())),
            priority: spec.priority,
            want_receipt: true,
        },
    })
}
