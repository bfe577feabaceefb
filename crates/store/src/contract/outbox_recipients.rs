//! Who a send reaches: every explicit number once however many there are, each person once
//! however they are named (number, contact, groups).

use std::collections::BTreeMap;
use std::sync::Arc;

use bote_domain::{ChannelKind, ContactId, MessageStatus};

use super::super::support::{codes, sms, whatsapp};
use super::*;

/// More numbers than one multi-row insert takes (500 rows), with skipped ones among them:
/// every number gets its message once, with its status, and is linked to its contact.
pub async fn outbox_sends_to_more_numbers_than_one_insert_holds_keep_each<
    S: Store + OutboxStore + ?Sized,
>(
    store: Arc<S>,
) {
    const NUMBERS: u32 = 1_234;
    let a = account(&*store, "A").await;
    let known = new_contact(&*store, a, Some(sms(777)), None, &[]).await;
    let refused: Vec<Skipped> = (0..3)
        .map(|i| skipped(&format!("bad{i}"), SkipReason::InvalidNumber))
        .collect();
    let acceptance = accept(
        &*store,
        sms_send(a),
        Recipients {
            skipped: refused,
            ..numbers((0..NUMBERS).map(sms))
        },
    )
    .await;
    assert_eq!(acceptance.accepted, u64::from(NUMBERS));
    let all = messages(&*store, a, acceptance.send.id).await;
    assert_eq!(all.len(), NUMBERS as usize + 3);
    let mut queued: Vec<String> = all
        .iter()
        .filter(|m| m.status == MessageStatus::Queued)
        .filter_map(|m| m.recipient.clone())
        .collect();
    queued.sort();
    let mut wanted: Vec<String> = (0..NUMBERS).map(|i| sms(i).to_string()).collect();
    wanted.sort();
    assert_eq!(queued, wanted);
    let linked: Vec<_> = all.iter().filter(|m| m.contact_id.is_some()).collect();
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].recipient.as_deref(), Some(sms(777).as_str()));
    assert_eq!(linked[0].contact_id, Some(known));
    let bad = all
        .iter()
        .filter(|m| m.reason.as_deref() == Some("invalid_number"))
        .count();
    assert_eq!(bad, 3);
}

pub async fn outbox_a_number_gets_one_message_per_send<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    new_group(&*store, a, "g1").await;
    new_group(&*store, a, "g2").await;
    let c1 = new_contact(&*store, a, Some(sms(1)), None, &["g1", "g2"]).await;
    let c2 = new_contact(&*store, a, Some(sms(2)), Some(whatsapp(2)), &["g1"]).await;
    let c3 = new_contact(&*store, a, None, Some(whatsapp(3)), &["g1", "g2"]).await;
    let c4 = new_contact(&*store, a, Some(sms(4)), None, &["g2"]).await;
    let acceptance = accept(
        &*store,
        sms_send(a),
        Recipients {
            contacts: vec![c3, c2, c2],
            groups: codes(&["g1", "G2", "g2"]),
            ..numbers([sms(1)])
        },
    )
    .await;
    assert_eq!(acceptance.accepted, 3);
    assert_eq!(
        acceptance.skipped_by_reason,
        BTreeMap::from([(SkipReason::NoNumber, 1)])
    );
    let all = messages(&*store, a, acceptance.send.id).await;
    let mut got: Vec<(Option<String>, Option<ContactId>)> = all
        .iter()
        .map(|m| (m.recipient.clone(), m.contact_id))
        .collect();
    got.sort();
    // An explicit number is linked to the account's contact with that number.
    assert_eq!(
        got,
        vec![
            (None, Some(c3)),
            (Some(sms(1).to_string()), Some(c1)),
            (Some(sms(2).to_string()), Some(c2)),
            (Some(sms(4).to_string()), Some(c4)),
        ]
    );

    // WhatsApp sends use the contacts' WhatsApp numbers (with an opt-in, R6).
    for n in [whatsapp(2), whatsapp(3)] {
        store
            .give_opt_in(a, &n, opt_in_source(), None)
            .await
            .unwrap();
    }
    let whatsapp_send = NewSend {
        channel: ChannelKind::Whatsapp,
        ..sms_send(a)
    };
    let recipients = Recipients {
        groups: codes(&["g1"]),
        ..Recipients::default()
    };
    let wa = accept(&*store, whatsapp_send, recipients).await;
    assert_eq!(wa.accepted, 2);
    assert_eq!(
        wa.skipped_by_reason,
        BTreeMap::from([(SkipReason::NoNumber, 1)])
    );
    assert_eq!(
        wa.skipped,
        vec![skipped(&format!("contact {}", c1.0), SkipReason::NoNumber)]
    );
    let claimed = store
        .claim_messages(ChannelKind::Whatsapp, later(1), later(60), 10)
        .await
        .unwrap();
    let mut to: Vec<String> = claimed.iter().map(|m| m.recipient.to_string()).collect();
    to.sort();
    assert_eq!(to, vec![whatsapp(2).to_string(), whatsapp(3).to_string()]);
    assert!(
        claim_at(&*store, later(1)).await.len() == 3,
        "SMS claims stay SMS"
    );

    // Contacts by id come with their groups; ids of no contact are left out.
    let found = store
        .contacts_by_ids(a, &[c3, ContactId(c4.0 + 1000), c1])
        .await
        .unwrap();
    assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), vec![c1, c3]);
    assert_eq!(found[0].groups, codes(&["G1", "G2"]));
    assert_eq!(found[1].whatsapp_number, Some(whatsapp(3)));
}
