//! Spaced sends: their messages come due slot by slot, from when the send was asked for.

use std::collections::BTreeMap;
use std::sync::Arc;

use bote_domain::ChannelKind;
use chrono::Utc;

use super::super::support::{codes, sms, whatsapp};
use super::*;

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
