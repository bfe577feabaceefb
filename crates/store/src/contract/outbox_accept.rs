//! Accepting sends: counts and skipped recipients, test sends, unknown names, idempotency,
//! previews.

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
