//! Dispatch: due times, leases, concurrent claimers, pause and cancel, guarded outcomes.

use std::collections::BTreeMap;
use std::sync::Arc;

use bote_domain::{ChannelKind, MessageId, MessageStatus};

use super::super::support::{assert_conflict, sms};
use super::*;
use crate::{ReceiptResult, SendState};

pub async fn outbox_scheduled_messages_wait_and_oldest_go_first<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let at = later(3_600);
    let scheduled = NewSend {
        schedule_at: Some(at),
        ..sms_send(a)
    };
    let future = accept(&*store, scheduled, numbers([sms(1)])).await;
    assert_eq!(future.send.schedule_at, Some(at));
    assert_eq!(future.accepted, 1);
    assert!(claim_at(&*store, later(1)).await.is_empty());

    let backdated = NewSend {
        schedule_at: Some(later(-3_600)),
        ..sms_send(a)
    };
    let now_send = send_to(&*store, a, 2, 3).await;
    let past = accept(&*store, backdated, numbers([sms(3)])).await;
    // Oldest due first: the back-dated send before the one due now.
    let first = store
        .claim_messages(ChannelKind::Sms, later(1), later(60), 1)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].send_id, past.send.id);
    let second = claim_at(&*store, later(1)).await;
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].send_id, now_send);
    let done = vec![
        (first[0].id, sent("smsc", &["p-1"])),
        (second[0].id, sent("smsc", &["p-2"])),
    ];
    apply_outcomes(&*store, &[first.clone(), second.clone()].concat(), done).await;
    assert!(
        claim_at(&*store, at - Duration::seconds(1))
            .await
            .is_empty()
    );
    let due = claim_at(&*store, at + Duration::seconds(1)).await;
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].send_id, future.send.id);
    // Other channels see none of them.
    assert!(
        store
            .claim_messages(ChannelKind::Whatsapp, later(7_200), later(7_300), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn outbox_claims_lease_and_reclaim_after_the_lease<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let send = send_to(&*store, a, 1, 4).await;
    let t = later(1);
    let lease = t + Duration::seconds(30);
    let first = store
        .claim_messages(ChannelKind::Sms, t, lease, 2)
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    let claimed = &first[0];
    assert_eq!(claimed.account, a);
    assert_eq!(claimed.send_id, send);
    assert_eq!(claimed.attempts, 0);
    assert_eq!(claimed.contact_id, None);
    assert_eq!(claimed.content["text"], "Hallo!");
    let record = store.message(a, claimed.id).await.unwrap();
    assert_eq!(record.status, MessageStatus::Sending);
    assert!(record.sending_at.is_some());
    assert_eq!(Some(claimed.recipient.to_string()), record.recipient);

    let rest = store
        .claim_messages(ChannelKind::Sms, t, lease, 10)
        .await
        .unwrap();
    assert_eq!(rest.len(), 1, "only the unclaimed one");
    assert!(!ids_of(&first).contains(&rest[0].id));
    // While the leases run nothing is claimed again.
    let within = t + Duration::seconds(20);
    assert!(
        store
            .claim_messages(ChannelKind::Sms, within, within + Duration::seconds(30), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // After them, every message is claimed again (its dispatcher died).
    let after = t + Duration::seconds(31);
    let again = store
        .claim_messages(ChannelKind::Sms, after, after + Duration::seconds(30), 10)
        .await
        .unwrap();
    let mut again_ids = ids_of(&again);
    again_ids.sort();
    let mut all = ids_of(&first);
    all.extend(ids_of(&rest));
    all.sort();
    assert_eq!(again_ids, all);
    assert_eq!(
        store.message(a, claimed.id).await.unwrap().sending_at,
        record.sending_at,
        "sending_at keeps the first claim"
    );
}

pub async fn outbox_paused_sends_wait_until_resumed<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let paused = send_to(&*store, a, 1, 3).await;
    let running = send_to(&*store, a, 3, 4).await;
    let record = store
        .set_send_state(a, paused, SendState::Paused)
        .await
        .unwrap();
    assert_eq!(record.state, SendState::Paused);
    assert_eq!(
        store.send_record(a, paused).await.unwrap().state,
        SendState::Paused
    );
    let claimed = claim_at(&*store, later(1)).await;
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].send_id, running);
    assert_eq!(store.unfinished_messages(Some(a)).await.unwrap(), 3);

    let resumed = store
        .set_send_state(a, paused, SendState::Active)
        .await
        .unwrap();
    assert_eq!(resumed.state, SendState::Active);
    let claimed = claim_at(&*store, later(1)).await;
    assert_eq!(claimed.len(), 2);
    assert!(claimed.iter().all(|m| m.send_id == paused));
    assert_eq!(
        status_counts(&*store, a, paused).await,
        BTreeMap::from([(MessageStatus::Sending, 2)])
    );
}

pub async fn outbox_cancelled_sends_stay_cancelled<S: Store + OutboxStore + ?Sized>(store: Arc<S>) {
    let a = account(&*store, "A").await;
    let send = send_to(&*store, a, 1, 4).await;
    let in_flight = store
        .claim_messages(ChannelKind::Sms, later(1), later(600), 1)
        .await
        .unwrap();
    assert_eq!(in_flight.len(), 1);
    let record = store
        .set_send_state(a, send, SendState::Cancelled)
        .await
        .unwrap();
    assert_eq!(record.state, SendState::Cancelled);
    let counts = status_counts(&*store, a, send).await;
    assert_eq!(
        counts,
        BTreeMap::from([(MessageStatus::Sending, 1), (MessageStatus::Cancelled, 2)]),
        "queued ones are cancelled; the one in flight is its dispatcher's"
    );
    let cancelled = messages(&*store, a, send).await;
    assert!(
        cancelled
            .iter()
            .filter(|m| m.status == MessageStatus::Cancelled)
            .all(|m| m.done_at.is_some())
    );
    assert_conflict(
        store.set_send_state(a, send, SendState::Active).await,
        "send state",
        "cancelled",
    );
    assert_conflict(
        store.set_send_state(a, send, SendState::Paused).await,
        "send state",
        "cancelled",
    );
    assert_eq!(
        store
            .set_send_state(a, send, SendState::Cancelled)
            .await
            .unwrap()
            .state,
        SendState::Cancelled
    );
    assert!(claim_at(&*store, later(3_600)).await.is_empty());
    // A retry of the message in flight does not queue it again: it is cancelled.
    let retry = Outcome::Retry {
        at: later(10),
        reason: "throttled".into(),
    };
    apply_outcomes(&*store, &in_flight, vec![(in_flight[0].id, retry)]).await;
    assert_eq!(
        status_of(&*store, a, in_flight[0].id).await,
        MessageStatus::Cancelled
    );
    assert_eq!(store.unfinished_messages(Some(a)).await.unwrap(), 0);
}

pub async fn outbox_outcomes_apply_only_to_sending_messages<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    send_to(&*store, a, 1, 6).await;
    let t = later(1);
    let claimed = claim_at(&*store, t).await;
    let [m1, m2, m3, m4, m5] = <[MessageId; 5]>::try_from(ids_of(&claimed)).unwrap();
    let batch = vec![
        (
            m1,
            Outcome::Retry {
                at: t + Duration::seconds(60),
                reason: "timeout".into(),
            },
        ),
        (
            m2,
            Outcome::Defer {
                until: t + Duration::seconds(3_600),
            },
        ),
        (
            m3,
            Outcome::Final {
                status: MessageStatus::Rejected,
                reason: "invalid destination".into(),
                code: Some("0x0000000B".into()),
            },
        ),
        (m4, sent("smsc", &["id-4"])),
        // The first outcome of a message applies, a second finds it no longer sending.
        (m5, sent("smsc", &["id-5"])),
        (
            m5,
            Outcome::Final {
                status: MessageStatus::Failed,
                reason: "late".into(),
                code: None,
            },
        ),
    ];
    let batch = with_claims(&claimed, batch);
    assert_eq!(store.record_outcomes(&batch).await.unwrap(), 5);

    let retried = store.message(a, m1).await.unwrap();
    assert_eq!(retried.status, MessageStatus::Queued);
    assert_eq!(retried.attempts, 1);
    assert_eq!(retried.reason.as_deref(), Some("timeout"));
    let deferred = store.message(a, m2).await.unwrap();
    assert_eq!(deferred.status, MessageStatus::Queued);
    assert_eq!(deferred.attempts, 0);
    let rejected = store.message(a, m3).await.unwrap();
    assert_eq!(rejected.status, MessageStatus::Rejected);
    assert_eq!(rejected.reason.as_deref(), Some("invalid destination"));
    assert_eq!(rejected.error_code.as_deref(), Some("0x0000000B"));
    assert!(rejected.done_at.is_some());
    assert_eq!(rejected.attempts, 1, "every attempt counts, also the last");
    let sent4 = store.message(a, m4).await.unwrap();
    assert_eq!(sent4.status, MessageStatus::Sent);
    assert_eq!(sent4.provider_ids, vec!["id-4".to_string()]);
    assert_eq!(sent4.segments, Some(1));
    assert!(sent4.sent_at.is_some());
    assert_eq!(sent4.done_at, None);
    assert_eq!(sent4.attempts, 1);
    assert_eq!(status_of(&*store, a, m5).await, MessageStatus::Sent);

    // None of them is sending any more: the same outcomes change nothing.
    assert_eq!(store.record_outcomes(&batch).await.unwrap(), 0);
    assert_eq!(store.message(a, m1).await.unwrap(), retried);
    assert_eq!(store.message(a, m4).await.unwrap(), sent4);

    // The retry is due after its time, with its attempt counted; the deferred one later.
    assert!(
        claim_at(&*store, t + Duration::seconds(59))
            .await
            .is_empty()
    );
    let again = claim_at(&*store, t + Duration::seconds(61)).await;
    assert_eq!(ids_of(&again), vec![m1]);
    assert_eq!(again[0].attempts, 1);
    apply_outcomes(&*store, &again, vec![(m1, sent("smsc", &["id-1"]))]).await;
    let deferred_again = claim_at(&*store, t + Duration::seconds(3_601)).await;
    assert_eq!(ids_of(&deferred_again), vec![m2]);
    assert_eq!(deferred_again[0].attempts, 0);
    assert_eq!(store.unfinished_messages(Some(a)).await.unwrap(), 4);
    let send = retried.send_id;
    assert_eq!(
        status_counts(&*store, a, send).await,
        BTreeMap::from([
            (MessageStatus::Sending, 1),
            (MessageStatus::Sent, 3),
            (MessageStatus::Rejected, 1),
        ])
    );
}

pub async fn outbox_outcomes_of_stale_claims_are_ignored<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let send = send_to(&*store, a, 1, 4).await;
    // The first dispatcher claims with a short lease and is slow: the lease runs out and a
    // second dispatcher claims the messages again, each under a new claim.
    let t = later(1);
    let first = store
        .claim_messages(ChannelKind::Sms, t, t + Duration::seconds(5), 10)
        .await
        .unwrap();
    let [m1, m2, m3] = <[MessageId; 3]>::try_from(ids_of(&first)).unwrap();
    let after = t + Duration::seconds(6);
    let second = store
        .claim_messages(ChannelKind::Sms, after, after + Duration::seconds(60), 10)
        .await
        .unwrap();
    let mut again = ids_of(&second);
    again.sort();
    assert_eq!(again, vec![m1, m2, m3]);
    for m in &second {
        let earlier = first.iter().find(|f| f.id == m.id).unwrap();
        assert_ne!(m.claim, earlier.claim, "every claim has its own token");
    }
    // A receipt for the id the slow dispatcher is about to report waits as pending.
    let early = receipt("smsc", &["stale-1"], MessageStatus::Undelivered);
    assert_eq!(
        store.apply_receipts(&[early]).await.unwrap(),
        ReceiptResult {
            matched: 0,
            pending: 1,
            foreign: 0,
        }
    );
    let before = messages(&*store, a, send).await;

    // The slow dispatcher's outcomes, of every kind, change nothing and do not count.
    let stale = |outcomes| with_claims(&first, outcomes);
    let retry = |reason: &str| Outcome::Retry {
        at: after + Duration::seconds(30),
        reason: reason.into(),
    };
    let failed = |reason: &str| Outcome::Final {
        status: MessageStatus::Failed,
        reason: reason.into(),
        code: None,
    };
    let late = stale(vec![
        (m1, sent("smsc", &["stale-1"])),
        (m2, retry("slow")),
        (m3, failed("slow")),
    ]);
    assert_eq!(store.record_outcomes(&late).await.unwrap(), 0);
    assert_eq!(
        messages(&*store, a, send).await,
        before,
        "the second claim's state stands"
    );
    assert_eq!(
        status_counts(&*store, a, send).await,
        BTreeMap::from([(MessageStatus::Sending, 3)])
    );
    // Its provider ids were not recorded: receipts for them match nothing.
    let later_receipt = receipt("smsc", &["stale-1"], MessageStatus::Delivered);
    assert_eq!(
        store.apply_receipts(&[later_receipt]).await.unwrap(),
        ReceiptResult {
            matched: 0,
            pending: 1,
            foreign: 0,
        }
    );
    assert_eq!(status_of(&*store, a, m1).await, MessageStatus::Sending);
    // Nothing was queued again, so nothing is due even long after the slow retry's time.
    assert!(
        claim_at(&*store, after + Duration::seconds(40))
            .await
            .is_empty()
    );

    // The second dispatcher's outcomes apply, also mixed with stale ones in one batch.
    let mut batch = with_claims(
        &second,
        vec![
            (m1, sent("smsc", &["new-1"])),
            (m2, retry("throttled")),
            (m3, failed("no route")),
        ],
    );
    batch.extend(stale(vec![
        (m1, failed("slow")),
        (m2, sent("smsc", &["stale-2"])),
        (m3, retry("slow")),
    ]));
    assert_eq!(store.record_outcomes(&batch).await.unwrap(), 3);
    let sent1 = store.message(a, m1).await.unwrap();
    assert_eq!(sent1.status, MessageStatus::Sent);
    assert_eq!(sent1.provider_ids, vec!["new-1".to_string()]);
    assert_eq!(sent1.attempts, 1);
    let retried = store.message(a, m2).await.unwrap();
    assert_eq!(retried.status, MessageStatus::Queued);
    assert_eq!(retried.attempts, 1);
    assert_eq!(retried.reason.as_deref(), Some("throttled"));
    assert!(retried.provider_ids.is_empty());
    let failed3 = store.message(a, m3).await.unwrap();
    assert_eq!(failed3.status, MessageStatus::Failed);
    assert_eq!(failed3.reason.as_deref(), Some("no route"));
    assert_eq!(failed3.attempts, 1);
    // The stale ids still match nothing; the second claim's do.
    let receipts = [
        receipt("smsc", &["stale-2"], MessageStatus::Delivered),
        receipt("smsc", &["new-1"], MessageStatus::Delivered),
    ];
    assert_eq!(
        store.apply_receipts(&receipts).await.unwrap(),
        ReceiptResult {
            matched: 1,
            pending: 1,
            foreign: 0,
        }
    );
    assert_eq!(status_of(&*store, a, m1).await, MessageStatus::Delivered);

    // The latest claim's outcome applies even after its lease ran out (no time is checked):
    // only a newer claim makes a claim stale.
    let due = after + Duration::seconds(31);
    let third = store
        .claim_messages(ChannelKind::Sms, due, due + Duration::seconds(5), 10)
        .await
        .unwrap();
    assert_eq!(ids_of(&third), vec![m2]);
    assert_eq!(third[0].attempts, 1);
    let outcome = with_claims(&third, vec![(m2, sent("smsc", &["new-2"]))]);
    // The earlier claims of m2 no longer apply; this one does.
    let stale_again = with_claims(&second, vec![(m2, retry("late"))]);
    assert_eq!(store.record_outcomes(&stale_again).await.unwrap(), 0);
    assert_eq!(store.record_outcomes(&outcome).await.unwrap(), 1);
    let sent2 = store.message(a, m2).await.unwrap();
    assert_eq!(sent2.status, MessageStatus::Sent);
    assert_eq!(sent2.provider_ids, vec!["new-2".to_string()]);
    assert_eq!(sent2.attempts, 2);
    assert_eq!(
        status_counts(&*store, a, send).await,
        BTreeMap::from([
            (MessageStatus::Sent, 1),
            (MessageStatus::Delivered, 1),
            (MessageStatus::Failed, 1),
        ])
    );
}

pub async fn outbox_paced_sends_come_due_one_after_another<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let paced = send_to(&*store, a, 1, 11).await;
    let other = send_to(&*store, a, 20, 22).await;
    // Two of the ten are claimed; one of them is deferred to an hour from now.
    let claimed = store
        .claim_messages(ChannelKind::Sms, later(1), later(60), 2)
        .await
        .unwrap();
    assert!(claimed.iter().all(|m| m.send_id == paced));
    let deferred = Outcome::Defer {
        until: later(3_600),
    };
    apply_outcomes(&*store, &claimed[..1], vec![(claimed[0].id, deferred)]).await;

    let from = later(10);
    let n = store
        .pace_send(
            paced,
            ChannelKind::Sms,
            later(1),
            from,
            std::time::Duration::from_secs(1),
        )
        .await
        .unwrap();
    assert_eq!(n, 8, "the eight neither claimed nor due later");
    assert_eq!(
        store
            .pace_send(
                paced,
                ChannelKind::Whatsapp,
                later(1),
                from,
                std::time::Duration::from_secs(1)
            )
            .await
            .unwrap(),
        0,
        "the send has no WhatsApp messages"
    );

    // Before the first slot only the other send's messages are due.
    let early = claim_at(&*store, later(9)).await;
    assert_eq!(early.len(), 2);
    assert!(early.iter().all(|m| m.send_id == other));
    // Then one a second, in id order: the first at `from`.
    let first = claim_at(&*store, from).await;
    assert_eq!(first.len(), 1);
    let next = claim_at(&*store, from + Duration::seconds(3)).await;
    assert_eq!(next.len(), 3);
    let rest = claim_at(&*store, from + Duration::seconds(7)).await;
    assert_eq!(rest.len(), 4);
    let ids: Vec<i64> = [first, next, rest]
        .concat()
        .iter()
        .map(|m| m.id.0)
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in id order: {ids:?}");
    assert!(ids.iter().all(|id| *id > claimed[1].id.0));
    // The deferred one keeps its hour (and the other claim its lease, to `later(60)`).
    assert!(
        claim_at(&*store, from + Duration::seconds(30))
            .await
            .is_empty()
    );
}
