//! Accepting sends: counts, skipped recipients, expansion, idempotency, large groups.

use std::collections::BTreeMap;
use std::sync::Arc;

use bote_domain::{ChannelKind, ContactId, MessageStatus};
use chrono::Utc;

use super::super::support::{assert_unknown, codes, sms, whatsapp};
use super::*;
use crate::{MAX_LISTED_SKIPS, SendState};

pub async fn outbox_acceptance_counts_and_lists_skipped_recipients<
    S: Store + OutboxStore + ?Sized,
>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let no_sms = new_contact(&*store, a, None, Some(whatsapp(1)), &[]).await;
    let before = Utc::now() - Duration::seconds(5);
    let send = NewSend {
        client_message_id: Some("c-1".into()),
        ..sms_send(a)
    };
    let acceptance = accept(
        &*store,
        send,
        Recipients {
            numbers: vec![sms(1), sms(2)],
            contacts: vec![no_sms],
            skipped: vec![
                skipped("0676 12", SkipReason::InvalidNumber),
                skipped(sms(1).as_str(), SkipReason::Duplicate),
                skipped("hallo", SkipReason::InvalidNumber),
            ],
            ..Recipients::default()
        },
    )
    .await;
    assert!(!acceptance.replayed);
    assert_eq!(acceptance.accepted, 2);
    assert_eq!(
        acceptance.skipped_by_reason,
        BTreeMap::from([
            (SkipReason::InvalidNumber, 2),
            (SkipReason::Duplicate, 1),
            (SkipReason::NoNumber, 1),
        ])
    );
    let mut listed = acceptance.skipped.clone();
    listed.sort_by(|x, y| x.recipient.cmp(&y.recipient));
    assert_eq!(
        listed,
        vec![
            skipped(sms(1).as_str(), SkipReason::Duplicate),
            skipped("0676 12", SkipReason::InvalidNumber),
            skipped(&format!("contact {}", no_sms.0), SkipReason::NoNumber),
            skipped("hallo", SkipReason::InvalidNumber),
        ]
    );

    let record = &acceptance.send;
    assert_eq!(
        record.counts,
        BTreeMap::from([(MessageStatus::Queued, 2), (MessageStatus::Skipped, 4)])
    );
    assert_eq!(status_counts(&*store, a, record.id).await, record.counts);
    assert_eq!(record.channel, ChannelKind::Sms);
    assert_eq!(record.state, SendState::Active);
    assert_eq!(record.source, "api");
    assert_eq!(record.content["text"], "Hallo!");
    assert_eq!(record.client_message_id.as_deref(), Some("c-1"));
    assert_eq!(record.schedule_at, None);
    assert_eq!(record.callback_url, None);
    assert!(record.created_at > before);
    assert_eq!(store.send_record(a, record.id).await.unwrap().id, record.id);

    let all = messages(&*store, a, record.id).await;
    assert_eq!(all.len(), 6);
    let queued: Vec<_> = all
        .iter()
        .filter(|m| m.status == MessageStatus::Queued)
        .collect();
    assert_eq!(queued.len(), 2);
    assert!(
        queued
            .iter()
            .all(|m| m.attempts == 0 && m.sending_at.is_none() && m.send_id == record.id)
    );
    let none = all.iter().find(|m| m.recipient.is_none()).unwrap();
    assert_eq!(none.contact_id, Some(no_sms));
    assert_eq!(none.status, MessageStatus::Skipped);
    assert_eq!(none.reason.as_deref(), Some("no_number"));
    let invalid = all
        .iter()
        .find(|m| m.recipient.as_deref() == Some("hallo"))
        .unwrap();
    assert_eq!(invalid.reason.as_deref(), Some("invalid_number"));
    assert_eq!(store.unfinished_messages(Some(a)).await.unwrap(), 2);

    // Only the first MAX_LISTED_SKIPS skipped recipients are listed; all are counted.
    let many: Vec<Skipped> = (0..MAX_LISTED_SKIPS + 5)
        .map(|i| skipped(&format!("bad{i}"), SkipReason::InvalidNumber))
        .collect();
    let big = accept(
        &*store,
        sms_send(a),
        Recipients {
            skipped: many,
            ..numbers([sms(1)])
        },
    )
    .await;
    assert_eq!(big.accepted, 1);
    assert_eq!(big.skipped.len(), MAX_LISTED_SKIPS);
    assert_eq!(
        big.skipped_by_reason,
        BTreeMap::from([(SkipReason::InvalidNumber, MAX_LISTED_SKIPS as u64 + 5)])
    );
}

pub async fn outbox_test_sends_and_test_accounts_skip_recipients<
    S: Store + OutboxStore + ?Sized,
>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let other = new_contact(&*store, a, Some(sms(3)), None, &[]).await;
    let only_to = Recipients {
        contacts: vec![other],
        only_to: Some(sms(1)),
        ..numbers([sms(1), sms(2)])
    };
    let trial = accept(&*store, sms_send(a), only_to.clone()).await;
    assert_eq!(trial.accepted, 1);
    assert_eq!(
        trial.skipped_by_reason,
        BTreeMap::from([(SkipReason::OutsideTestNumber, 2)])
    );
    assert!(
        trial
            .skipped
            .contains(&skipped(sms(2).as_str(), SkipReason::OutsideTestNumber))
    );
    assert!(
        trial
            .skipped
            .contains(&skipped(sms(3).as_str(), SkipReason::OutsideTestNumber))
    );

    let test = NewSend {
        test: true,
        ..sms_send(a)
    };
    let counted = accept(&*store, test.clone(), numbers([sms(1), sms(2)])).await;
    assert_eq!(counted.accepted, 0);
    assert_eq!(
        counted.skipped_by_reason,
        BTreeMap::from([(SkipReason::Test, 2)])
    );
    // Outside the test number wins over `test`: it would not go out either way.
    let both = accept(&*store, test, only_to).await;
    assert_eq!(both.accepted, 0);
    assert_eq!(
        both.skipped_by_reason,
        BTreeMap::from([(SkipReason::Test, 1), (SkipReason::OutsideTestNumber, 2)])
    );

    // Only the trial send's one message goes out.
    let claimed = claim_at(&*store, later(1)).await;
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].recipient, sms(1));
    assert_eq!(claimed[0].send_id, trial.send.id);
    assert_eq!(store.unfinished_messages(Some(a)).await.unwrap(), 1);
}

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

pub async fn outbox_unknown_groups_or_contacts_write_nothing<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    new_group(&*store, a, "g1").await;
    new_group(&*store, b, "theirs").await;
    let mine = new_contact(&*store, a, Some(sms(1)), None, &["g1"]).await;
    let theirs = new_contact(&*store, b, Some(sms(2)), None, &["theirs"]).await;
    let with_id = NewSend {
        client_message_id: Some("once".into()),
        ..sms_send(a)
    };
    let unknown_group = Recipients {
        groups: codes(&["g1", "nope"]),
        ..numbers([sms(5)])
    };
    assert_unknown(
        store.accept_send(with_id.clone(), unknown_group).await,
        "group",
        "NOPE",
    );
    let their_group = Recipients {
        groups: codes(&["theirs"]),
        ..numbers([sms(5)])
    };
    assert_unknown(
        store.accept_send(with_id.clone(), their_group).await,
        "group",
        "THEIRS",
    );
    let missing = ContactId(theirs.0 + 1000);
    let unknown_contact = Recipients {
        contacts: vec![mine, missing],
        ..numbers([sms(5)])
    };
    assert_unknown(
        store.accept_send(with_id.clone(), unknown_contact).await,
        "contact",
        &missing.to_string(),
    );
    let their_contact = Recipients {
        contacts: vec![theirs],
        ..Recipients::default()
    };
    assert_unknown(
        store.accept_send(with_id.clone(), their_contact).await,
        "contact",
        &theirs.to_string(),
    );
    assert!(
        store
            .list_sends(a, None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(store.unfinished_messages(None).await.unwrap(), 0);
    assert!(claim_at(&*store, later(1)).await.is_empty());
    // The client id was not used up.
    let ok = accept(&*store, with_id, numbers([sms(5)])).await;
    assert!(!ok.replayed);
    assert_eq!(ok.accepted, 1);
}

pub async fn outbox_client_message_ids_make_accepting_idempotent<
    S: Store + OutboxStore + ?Sized,
>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    let with_id = |account| NewSend {
        client_message_id: Some("order-17".into()),
        ..sms_send(account)
    };
    let recipients = Recipients {
        skipped: vec![skipped("x", SkipReason::InvalidNumber)],
        ..numbers([sms(1), sms(2)])
    };
    let first = accept(&*store, with_id(a), recipients).await;
    assert!(!first.replayed);
    let again = accept(&*store, with_id(a), numbers([sms(3)])).await;
    assert!(again.replayed);
    assert_eq!(again.send, first.send);
    assert_eq!(again.accepted, 2);
    assert_eq!(again.skipped, first.skipped);
    assert_eq!(again.skipped_by_reason, first.skipped_by_reason);
    assert_eq!(messages(&*store, a, first.send.id).await.len(), 3);
    assert_eq!(store.list_sends(a, None, 10).await.unwrap().items.len(), 1);
    // Client ids are the account's own.
    let other = accept(&*store, with_id(b), numbers([sms(1)])).await;
    assert!(!other.replayed);
    assert_ne!(other.send.id, first.send.id);

    // Concurrent accepts with one new client id: one send, the others replay it.
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let store = Arc::clone(&store);
            let send = NewSend {
                client_message_id: Some("race".into()),
                ..sms_send(a)
            };
            tokio::spawn(async move {
                let numbers = numbers((10..60).map(sms));
                store.accept_send(send, numbers).await.expect("accept")
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("task"));
    }
    assert_eq!(results.iter().filter(|r| !r.replayed).count(), 1);
    assert!(results.iter().all(|r| r.send.id == results[0].send.id));
    assert!(results.iter().all(|r| r.accepted == 50));
    assert_eq!(store.list_sends(a, None, 10).await.unwrap().items.len(), 2);
    assert_eq!(store.unfinished_messages(Some(a)).await.unwrap(), 52);
}

pub async fn outbox_previews_count_like_acceptance_and_keep_nothing<
    S: Store + OutboxStore + ?Sized,
>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    new_group(&*store, a, "NEWS").await;
    new_contact(&*store, a, Some(sms(1)), Some(whatsapp(1)), &["NEWS"]).await;
    new_contact(&*store, a, Some(sms(2)), None, &["NEWS"]).await;
    new_contact(&*store, a, None, Some(whatsapp(3)), &["NEWS"]).await;
    let recipients = || Recipients {
        numbers: vec![sms(2), sms(9)],
        groups: codes(&["news"]),
        skipped: vec![skipped("12x", SkipReason::InvalidNumber)],
        ..Recipients::default()
    };
    let send = || NewSend {
        client_message_id: Some("p-1".into()),
        ..sms_send(a)
    };
    let preview = store.preview_send(send(), recipients()).await.unwrap();
    assert_eq!(preview.acceptance.accepted, 3, "sms 1, 2 and 9");
    assert_eq!(
        preview.acceptance.skipped_by_reason,
        BTreeMap::from([(SkipReason::InvalidNumber, 1), (SkipReason::NoNumber, 1)]),
        "sms 2 through the group adds nothing to its explicit message"
    );
    assert_eq!(
        preview.on_both_channels, 1,
        "R19: the first contact has both numbers"
    );
    assert!(!preview.acceptance.replayed);
    assert!(
        store
            .list_sends(a, None, 10)
            .await
            .unwrap()
            .items
            .is_empty(),
        "a preview keeps no send"
    );
    assert!(
        store
            .claim_messages(ChannelKind::Sms, later(1), later(60), 10)
            .await
            .unwrap()
            .is_empty(),
        "and no message"
    );
    // The real acceptance counts the same, and the client id was not taken by the preview.
    let accepted = accept(&*store, send(), recipients()).await;
    assert!(!accepted.replayed);
    assert_eq!(accepted.accepted, preview.acceptance.accepted);
    assert_eq!(
        accepted.skipped_by_reason,
        preview.acceptance.skipped_by_reason
    );
}

/// A spaced send is paced from when it was asked for, not from when the store got to it:
/// a large send being accepted beside it does not push its schedule back (on SQLite it
/// waits for the other's write; on PostgreSQL `now()` is its transaction's start).
pub async fn outbox_spaced_sends_are_paced_from_when_they_were_asked<
    S: Store + OutboxStore + ?Sized + 'static,
>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    store
        .give_opt_in(a, &whatsapp(1), opt_in_source(), None)
        .await
        .unwrap();
    let large = tokio::spawn({
        let store = store.clone();
        async move {
            let recipients = Recipients {
                numbers: (1..=30_000).map(sms).collect(),
                ..Recipients::default()
            };
            accept(&*store, sms_send(a), recipients).await.accepted
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let asked = Utc::now();
    let spaced = NewSend {
        channel: ChannelKind::Whatsapp,
        spacing: Some(std::time::Duration::from_secs(1)),
        ..sms_send(a)
    };
    let recipients = Recipients {
        numbers: vec![whatsapp(1)],
        ..Recipients::default()
    };
    let started = std::time::Instant::now();
    assert_eq!(accept(&*store, spaced, recipients).await.accepted, 1);
    let waited = started.elapsed();
    assert_eq!(large.await.unwrap(), 30_000);
    let margin = chrono::Duration::milliseconds(300);
    let claimed = store
        .claim_messages(
            ChannelKind::Whatsapp,
            asked + margin,
            asked + chrono::Duration::seconds(60),
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        claimed.len(),
        1,
        "the spaced send is due from when it was asked for (it waited {waited:?})"
    );
}

/// How the outbox tests give opt-ins: as the business, through the API.
/// `NewSend::spacing`: the queued messages take the send's slots one after another in
/// recipient order, explicit numbers first; a skipped recipient takes none.
pub async fn outbox_spaced_sends_come_due_slot_by_slot<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    new_group(&*store, a, "g1").await;
    for i in 1..=4 {
        new_contact(&*store, a, None, Some(whatsapp(i)), &["g1"]).await;
    }
    for i in [1, 3, 4, 10, 11] {
        store
            .give_opt_in(a, &whatsapp(i), opt_in_source(), None)
            .await
            .unwrap();
    }
    let start = later(100);
    let send = NewSend {
        channel: ChannelKind::Whatsapp,
        schedule_at: Some(start),
        spacing: Some(std::time::Duration::from_millis(1_500)),
        ..sms_send(a)
    };
    let recipients = Recipients {
        numbers: vec![whatsapp(10), whatsapp(12), whatsapp(11)],
        groups: codes(&["g1"]),
        ..Recipients::default()
    };
    let acceptance = accept(&*store, send, recipients).await;
    assert_eq!(acceptance.accepted, 5);
    assert_eq!(
        acceptance.skipped_by_reason,
        BTreeMap::from([(SkipReason::NoOptIn, 2)])
    );
    // Slot k is due at start + k × 1.5 s: +10, +11, then contacts 1, 3 and 4 (+12 and
    // contact 2 have no opt-in).
    let store = &*store;
    let due_by = |ms: i64| async move {
        let at = start + chrono::Duration::milliseconds(ms);
        store
            .claim_messages(
                ChannelKind::Whatsapp,
                at,
                at + chrono::Duration::seconds(60),
                10,
            )
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.recipient)
            .collect::<Vec<_>>()
    };
    assert!(
        due_by(-1).await.is_empty(),
        "nothing before the send's time"
    );
    assert_eq!(due_by(0).await, vec![whatsapp(10)]);
    assert_eq!(due_by(1_499).await, Vec::<PhoneNumber>::new());
    assert_eq!(due_by(3_000).await, vec![whatsapp(11), whatsapp(1)]);
    assert_eq!(due_by(4_499).await, Vec::<PhoneNumber>::new());
    assert_eq!(due_by(6_000).await, vec![whatsapp(3), whatsapp(4)]);

    // Without spacing every message is due at once.
    let at_once = NewSend {
        channel: ChannelKind::Whatsapp,
        schedule_at: Some(start),
        ..sms_send(a)
    };
    let recipients = Recipients {
        numbers: vec![whatsapp(10)],
        groups: codes(&["g1"]),
        ..Recipients::default()
    };
    assert_eq!(accept(store, at_once, recipients).await.accepted, 4);
    assert_eq!(due_by(0).await.len(), 4);
}

fn opt_in_source() -> crate::ConsentSource {
    crate::ConsentSource {
        kind: crate::SourceKind::Api,
        reference: Some("outbox contract".into()),
        text: None,
        business_number: None,
    }
}
