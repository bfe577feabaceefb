//! WhatsApp specifics of acceptance: "one message per person" (R19) and the 24-hour
//! customer-service window of Cloud API numbers, counted in previews and looked up for a
//! set of numbers at dispatch.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use bote_domain::{ChannelKind, MessageStatus};
use chrono::Utc;

use super::super::support::{sms, whatsapp};
use super::*;
use crate::{NewInbound, ServiceWindow};

fn whatsapp_send(account: AccountId) -> NewSend {
    NewSend {
        channel: ChannelKind::Whatsapp,
        content: serde_json::json!({ "text": "Hallo!" }),
        ..sms_send(account)
    }
}

fn api_source() -> crate::ConsentSource {
    crate::ConsentSource {
        kind: crate::SourceKind::Api,
        reference: Some("outbox contract".into()),
        text: None,
        business_number: None,
    }
}

/// R19, R6, R17: each recipient gets one message, by WhatsApp where it has an active
/// opt-in, else by SMS — a contact's SMS number when it has one, else the number itself; a
/// number the send already holds keeps its one message.
pub async fn outbox_whatsapp_else_sms_sends_each_person_one_message<
    S: Store + OutboxStore + ?Sized,
>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    new_group(&*store, a, "NEWS").await;
    // No opt-in, both numbers: SMS to sms(1) — which is also named explicitly: once.
    new_contact(&*store, a, Some(sms(1)), Some(whatsapp(1)), &["NEWS"]).await;
    // Opted in: WhatsApp only.
    new_contact(&*store, a, Some(sms(2)), Some(whatsapp(2)), &["NEWS"]).await;
    // SMS only.
    new_contact(&*store, a, Some(sms(3)), None, &["NEWS"]).await;
    // WhatsApp number only, no opt-in: SMS to that number.
    new_contact(&*store, a, None, Some(whatsapp(4)), &["NEWS"]).await;
    store
        .give_opt_in(a, &whatsapp(2), api_source(), None)
        .await
        .unwrap();
    let recipients = || Recipients {
        numbers: vec![sms(1)],
        groups: super::super::support::codes(&["news"]),
        else_sms: true,
        ..Recipients::default()
    };
    let preview = store
        .preview_send(whatsapp_send(a), recipients())
        .await
        .unwrap();
    assert_eq!(preview.acceptance.accepted, 4);
    assert_eq!(preview.by_sms_instead, 3);
    assert!(preview.acceptance.skipped.is_empty(), "{preview:?}");

    let accepted = accept(&*store, whatsapp_send(a), recipients()).await;
    assert_eq!(accepted.accepted, 4);
    let got: BTreeMap<String, (ChannelKind, MessageStatus)> =
        messages(&*store, a, accepted.send.id)
            .await
            .into_iter()
            .map(|m| (m.recipient.unwrap(), (m.channel, m.status)))
            .collect();
    let queued = MessageStatus::Queued;
    let expected = BTreeMap::from([
        (sms(1).to_string(), (ChannelKind::Sms, queued)),
        (whatsapp(2).to_string(), (ChannelKind::Whatsapp, queued)),
        (sms(3).to_string(), (ChannelKind::Sms, queued)),
        (whatsapp(4).to_string(), (ChannelKind::Sms, queued)),
    ]);
    assert_eq!(got, expected);
    // Each channel's dispatcher claims its own messages.
    let claim = |channel| store.claim_messages(channel, later(1), later(60), 10);
    assert_eq!(claim(ChannelKind::Whatsapp).await.unwrap().len(), 1);
    assert_eq!(claim(ChannelKind::Sms).await.unwrap().len(), 3);

    // Without `else_sms` the same send skips them (R6).
    let plain = accept(
        &*store,
        whatsapp_send(a),
        Recipients {
            else_sms: false,
            ..recipients()
        },
    )
    .await;
    assert_eq!(plain.accepted, 1);
}

/// The 24-hour window: who wrote to a business number since a time, for a set of numbers
/// in one query; previews count the queued WhatsApp messages outside it.
pub async fn outbox_service_windows_come_from_inbound_messages<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let business = "+43800200200";
    let now = Utc::now();
    let wrote = |from: u32, to: &str, hours_ago: i64| NewInbound {
        channel: ChannelKind::Whatsapp,
        connection: "whatsapp-cloud".into(),
        from: whatsapp(from).to_string(),
        to: to.into(),
        kind: "text".into(),
        text: Some("Hallo".into()),
        provider_id: Some(format!("wamid.{from}.{to}.{hours_ago}")),
        received_at: now - Duration::hours(hours_ago),
    };
    for m in [
        wrote(1, business, 1),
        wrote(1, business, 30),
        wrote(2, business, 25),
        wrote(3, "+43800999999", 0),
    ] {
        store.record_inbound(m).await.unwrap();
    }
    let since = now - Duration::hours(24);
    let asked: Vec<String> = (1..=4).map(|i| whatsapp(i).to_string()).collect();
    let inside = store
        .in_service_window(business, &asked, since)
        .await
        .unwrap();
    assert_eq!(inside, HashSet::from([whatsapp(1).to_string()]));
    assert!(
        store
            .in_service_window(business, &[], since)
            .await
            .unwrap()
            .is_empty()
    );

    for i in 1..=3 {
        store
            .give_opt_in(a, &whatsapp(i), api_source(), None)
            .await
            .unwrap();
    }
    let preview = store
        .preview_send(
            whatsapp_send(a),
            Recipients {
                numbers: (1..=3).map(whatsapp).collect(),
                service_window: Some(ServiceWindow {
                    business_number: business.into(),
                    since,
                }),
                ..Recipients::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(preview.acceptance.accepted, 3);
    assert_eq!(preview.outside_service_window, 2, "whatsapp(2) and (3)");
}
