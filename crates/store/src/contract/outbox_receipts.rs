//! Receipts: matching, pending until sent, parts, id variants, no way back.

use std::sync::Arc;

use bote_domain::MessageStatus;

use super::*;
use crate::ReceiptResult;

fn result(matched: u64, pending: u64) -> ReceiptResult {
    ReceiptResult {
        matched,
        pending,
        foreign: 0,
    }
}

/// A receipt that names its account (a WhatsApp webhook's) reaches only that account's
/// messages: another account's message with the id is left alone, and the receipt is
/// dropped rather than kept; the owner's own receipt applies; an id nobody has yet waits.
pub async fn outbox_receipts_of_an_account_reach_only_its_messages<
    S: Store + OutboxStore + ?Sized,
>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    let (ids, claims) = sending(&*store, sms_send(a), 1).await;
    apply_outcomes(&*store, &claims, vec![(ids[0], sent("cloud", &["w-1"]))]).await;
    let as_of = |account, id: &str| ReceiptUpdate {
        account: Some(account),
        ..receipt("cloud", &[id], MessageStatus::Delivered)
    };
    assert_eq!(
        store.apply_receipts(&[as_of(b, "w-1")]).await.unwrap(),
        ReceiptResult {
            matched: 0,
            pending: 0,
            foreign: 1,
        }
    );
    assert_eq!(status_of(&*store, a, ids[0]).await, MessageStatus::Sent);
    assert_eq!(
        store
            .apply_receipts(&[as_of(a, "w-1"), as_of(b, "w-2")])
            .await
            .unwrap(),
        result(1, 1)
    );
    assert_eq!(
        status_of(&*store, a, ids[0]).await,
        MessageStatus::Delivered
    );

    // A receipt that came before its message's ids waits, and then applies only if it
    // names the message's account (or none, as SMPP receipts do).
    let (ids, claims) = sending(&*store, sms_send(a), 3).await;
    let early = [
        as_of(b, "w-3"),
        as_of(a, "w-4"),
        receipt("cloud", &["w-5"], MessageStatus::Delivered),
    ];
    assert_eq!(store.apply_receipts(&early).await.unwrap(), result(0, 3));
    let outcomes = ids
        .iter()
        .zip(["w-3", "w-4", "w-5"])
        .map(|(id, wamid)| (*id, sent("cloud", &[wamid])))
        .collect();
    apply_outcomes(&*store, &claims, outcomes).await;
    assert_eq!(status_of(&*store, a, ids[0]).await, MessageStatus::Sent);
    assert_eq!(
        status_of(&*store, a, ids[1]).await,
        MessageStatus::Delivered
    );
    assert_eq!(
        status_of(&*store, a, ids[2]).await,
        MessageStatus::Delivered
    );
}

pub async fn outbox_receipts_deliver_sent_messages<S: Store + OutboxStore + ?Sized>(store: Arc<S>) {
    let a = account(&*store, "A").await;
    let (ids, claims) = sending(&*store, sms_send(a), 1).await;
    apply_outcomes(&*store, &claims, vec![(ids[0], sent("smsc-1", &["abc"]))]).await;
    // An intermediate state matches and changes nothing.
    let enroute = receipt("smsc-1", &["abc"], MessageStatus::Sent);
    assert_eq!(
        store.apply_receipts(&[enroute]).await.unwrap(),
        result(1, 0)
    );
    assert_eq!(status_of(&*store, a, ids[0]).await, MessageStatus::Sent);
    // The same id on another connection is another message's.
    let elsewhere = receipt("smsc-2", &["abc"], MessageStatus::Delivered);
    let delivered = receipt("smsc-1", &["abc"], MessageStatus::Delivered);
    assert_eq!(
        store
            .apply_receipts(&[elsewhere, delivered.clone()])
            .await
            .unwrap(),
        result(1, 1)
    );
    let message = store.message(a, ids[0]).await.unwrap();
    assert_eq!(message.status, MessageStatus::Delivered);
    assert_eq!(message.done_at, Some(delivered.at));
    assert_eq!(store.unfinished_messages(Some(a)).await.unwrap(), 0);
    // An intermediate state nobody knows is neither matched nor kept.
    let unknown = receipt("smsc-1", &["zzz"], MessageStatus::Sent);
    assert_eq!(
        store.apply_receipts(&[unknown]).await.unwrap(),
        result(0, 0)
    );
    assert_eq!(store.apply_receipts(&[]).await.unwrap(), result(0, 0));
}

pub async fn outbox_early_receipts_wait_for_the_sent_outcome<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let (ids, claims) = sending(&*store, sms_send(a), 3).await;
    let early = ReceiptUpdate {
        error_code: Some("0x45".into()),
        ..receipt("smsc", &["e-1"], MessageStatus::Undelivered)
    };
    let part = receipt("smsc", &["e-2a"], MessageStatus::Delivered);
    assert_eq!(
        store.apply_receipts(&[early, part]).await.unwrap(),
        result(0, 2)
    );
    assert_eq!(status_of(&*store, a, ids[0]).await, MessageStatus::Sending);
    apply_outcomes(
        &*store,
        &claims,
        vec![
            (ids[0], sent("smsc", &["e-1"])),
            (ids[1], sent("smsc", &["e-2a", "e-2b"])),
            (ids[2], sent("smsc", &["e-3"])),
        ],
    )
    .await;
    let failed = store.message(a, ids[0]).await.unwrap();
    assert_eq!(failed.status, MessageStatus::Undelivered);
    assert_eq!(failed.error_code.as_deref(), Some("0x45"));
    // One part of two delivered so far.
    assert_eq!(status_of(&*store, a, ids[1]).await, MessageStatus::Sent);
    let rest = receipt("smsc", &["e-2b"], MessageStatus::Delivered);
    assert_eq!(store.apply_receipts(&[rest]).await.unwrap(), result(1, 0));
    assert_eq!(
        status_of(&*store, a, ids[1]).await,
        MessageStatus::Delivered
    );
    assert_eq!(status_of(&*store, a, ids[2]).await, MessageStatus::Sent);
    // Applied pending receipts are gone: the ids, reused, match the new message only.
    let (ids2, claims2) = sending(&*store, sms_send(a), 1).await;
    apply_outcomes(&*store, &claims2, vec![(ids2[0], sent("smsc", &["e-1"]))]).await;
    assert_eq!(status_of(&*store, a, ids2[0]).await, MessageStatus::Sent);
}

pub async fn outbox_multipart_messages_follow_their_parts<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let (ids, claims) = sending(&*store, sms_send(a), 3).await;
    apply_outcomes(
        &*store,
        &claims,
        vec![
            (ids[0], sent("smsc", &["a1", "a2", "a3"])),
            (ids[1], sent("smsc", &["b1", "b2"])),
            (ids[2], sent("smsc", &["c1", "c2"])),
        ],
    )
    .await;
    let first = store.message(a, ids[0]).await.unwrap();
    assert_eq!(first.provider_ids, vec!["a1", "a2", "a3"]);
    assert_eq!(first.segments, Some(3));
    let delivered = |id| receipt("smsc", &[id], MessageStatus::Delivered);
    let two = [delivered("a1"), delivered("a3"), delivered("b1")];
    assert_eq!(store.apply_receipts(&two).await.unwrap(), result(3, 0));
    assert_eq!(status_of(&*store, a, ids[0]).await, MessageStatus::Sent);
    assert_eq!(status_of(&*store, a, ids[1]).await, MessageStatus::Sent);
    assert_eq!(
        store.apply_receipts(&[delivered("a2")]).await.unwrap(),
        result(1, 0)
    );
    assert_eq!(
        status_of(&*store, a, ids[0]).await,
        MessageStatus::Delivered
    );
    // A failure of any part applies at once.
    let b2 = ReceiptUpdate {
        error_code: Some("0x0B".into()),
        ..receipt("smsc", &["b2"], MessageStatus::Undelivered)
    };
    let c1 = receipt("smsc", &["c1"], MessageStatus::Expired);
    assert_eq!(store.apply_receipts(&[b2, c1]).await.unwrap(), result(2, 0));
    let b = store.message(a, ids[1]).await.unwrap();
    assert_eq!(b.status, MessageStatus::Undelivered);
    assert_eq!(b.error_code.as_deref(), Some("0x0B"));
    assert_eq!(status_of(&*store, a, ids[2]).await, MessageStatus::Expired);
    // The other part's delivery does not undo it.
    store.apply_receipts(&[delivered("c2")]).await.unwrap();
    assert_eq!(status_of(&*store, a, ids[2]).await, MessageStatus::Expired);
}

pub async fn outbox_receipts_match_any_id_variant<S: Store + OutboxStore + ?Sized>(store: Arc<S>) {
    let a = account(&*store, "A").await;
    let (ids, claims) = sending(&*store, sms_send(a), 3).await;
    apply_outcomes(
        &*store,
        &claims,
        vec![
            (ids[0], sent("smsc", &["1A2B"])),
            (ids[1], sent("smsc", &["10"])),
            (ids[2], sent("smsc", &["16"])),
        ],
    )
    .await;
    // As received (decimal) first, then the hex form the submit response gave.
    let hex = receipt("smsc", &["6699", "1A2B"], MessageStatus::Delivered);
    assert_eq!(store.apply_receipts(&[hex]).await.unwrap(), result(1, 0));
    assert_eq!(
        status_of(&*store, a, ids[0]).await,
        MessageStatus::Delivered
    );
    // When two variants match, the first wins.
    let both = receipt("smsc", &["10", "16"], MessageStatus::Delivered);
    assert_eq!(store.apply_receipts(&[both]).await.unwrap(), result(1, 0));
    assert_eq!(
        status_of(&*store, a, ids[1]).await,
        MessageStatus::Delivered
    );
    assert_eq!(status_of(&*store, a, ids[2]).await, MessageStatus::Sent);
    // Pending receipts match by any variant too.
    let (ids2, claims2) = sending(&*store, sms_send(a), 1).await;
    let early = receipt("smsc", &["4096", "1000"], MessageStatus::Delivered);
    assert_eq!(store.apply_receipts(&[early]).await.unwrap(), result(0, 1));
    apply_outcomes(&*store, &claims2, vec![(ids2[0], sent("smsc", &["1000"]))]).await;
    assert_eq!(
        status_of(&*store, a, ids2[0]).await,
        MessageStatus::Delivered
    );
}

pub async fn outbox_receipts_never_move_a_message_backwards<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let (ids, claims) = sending(&*store, sms_send(a), 2).await;
    apply_outcomes(
        &*store,
        &claims,
        vec![(ids[0], sent("wa", &["w1"])), (ids[1], sent("wa", &["w2"]))],
    )
    .await;
    let w1 = |status| receipt("wa", &["w1"], status);
    store
        .apply_receipts(&[w1(MessageStatus::Delivered)])
        .await
        .unwrap();
    let done = store.message(a, ids[0]).await.unwrap().done_at;
    // Matched, but a delivered message does not become undelivered or sent again.
    assert_eq!(
        store
            .apply_receipts(&[w1(MessageStatus::Undelivered), w1(MessageStatus::Sent)])
            .await
            .unwrap(),
        result(2, 0)
    );
    assert_eq!(
        status_of(&*store, a, ids[0]).await,
        MessageStatus::Delivered
    );
    // Read may follow delivered, and nothing follows read.
    store
        .apply_receipts(&[w1(MessageStatus::Read)])
        .await
        .unwrap();
    let read = store.message(a, ids[0]).await.unwrap();
    assert_eq!(read.status, MessageStatus::Read);
    assert_eq!(read.done_at, done, "done when it was first final");
    store
        .apply_receipts(&[w1(MessageStatus::Delivered)])
        .await
        .unwrap();
    assert_eq!(status_of(&*store, a, ids[0]).await, MessageStatus::Read);
    // Read can follow sent directly; an expired message stays expired.
    let w2 = |status| receipt("wa", &["w2"], status);
    store
        .apply_receipts(&[w2(MessageStatus::Expired)])
        .await
        .unwrap();
    store
        .apply_receipts(&[w2(MessageStatus::Delivered), w2(MessageStatus::Read)])
        .await
        .unwrap();
    assert_eq!(status_of(&*store, a, ids[1]).await, MessageStatus::Expired);
    let (ids3, claims3) = sending(&*store, sms_send(a), 1).await;
    apply_outcomes(&*store, &claims3, vec![(ids3[0], sent("wa", &["w3"]))]).await;
    store
        .apply_receipts(&[receipt("wa", &["w3"], MessageStatus::Read)])
        .await
        .unwrap();
    assert_eq!(status_of(&*store, a, ids3[0]).await, MessageStatus::Read);
}

/// A batch of 1,000 receipts mixing single and multi-part messages, id variants, repeats
/// and contradictions for one message, intermediate states and unknown ids ends exactly as
/// the same receipts applied one at a time, in order.
pub async fn outbox_receipt_batches_end_as_receipts_one_by_one<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    const MESSAGES: usize = 200;
    let a = account(&*store, "A").await;
    let with_url = || NewSend {
        callback_url: Some("https://example.test/dlr".into()),
        ..sms_send(a)
    };
    let parts = |k: usize| if k.is_multiple_of(4) { 2 } else { 1 };
    let id = |world: &str, k: usize, part: usize| format!("{world}-{k}-{part}");
    // Two copies of the same messages: one gets the batch, the other receipt by receipt.
    let mut worlds = Vec::new();
    for world in ["batch", "single"] {
        let (ids, claims) = sending(&*store, with_url(), MESSAGES as u32).await;
        let outcomes = ids
            .iter()
            .enumerate()
            .map(|(k, m)| {
                let refs: Vec<String> = (0..parts(k)).map(|p| id(world, k, p)).collect();
                let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
                (*m, sent("smsc", &refs))
            })
            .collect();
        apply_outcomes(&*store, &claims, outcomes).await;
        worlds.push(ids);
    }
    let statuses = [
        MessageStatus::Sent,
        MessageStatus::Delivered,
        MessageStatus::Delivered,
        MessageStatus::Delivered,
        MessageStatus::Undelivered,
        MessageStatus::Expired,
        MessageStatus::Read,
        MessageStatus::Rejected,
    ];
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    let mut plan = Vec::new();
    for n in 0..1000 {
        // Half the messages get one receipt, the rest several; beyond MESSAGES: ids
        // nobody knows.
        let k = if n < MESSAGES / 2 {
            n
        } else {
            MESSAGES / 2 + next() % (MESSAGES / 2 + 20)
        };
        let part = next() % parts(k);
        let status = statuses[next() % statuses.len()];
        let code = next()
            .is_multiple_of(3)
            .then(|| format!("0x{:02X}", next() % 256));
        let form = next() % 3;
        let at = later((next() % 100) as i64);
        plan.push((k, part, status, code, form, at));
    }
    for n in (1..plan.len()).rev() {
        plan.swap(n, next() % (n + 1));
    }
    let receipts = |world: &str| -> Vec<ReceiptUpdate> {
        plan.iter()
            .map(|(k, part, status, code, form, at)| {
                let known = id(world, *k, *part);
                let provider_ids = match form {
                    0 => vec![known],
                    1 => vec![format!("{known}-hex"), known],
                    _ => vec![known.clone(), format!("{known}-dec"), known],
                };
                ReceiptUpdate {
                    connection: "smsc".into(),
                    provider_ids,
                    status: *status,
                    error_code: code.clone(),
                    at: *at,
                    account: None,
                }
            })
            .collect()
    };
    let batch = store.apply_receipts(&receipts("batch")).await.unwrap();
    let mut single = ReceiptResult::default();
    for r in receipts("single") {
        let got = store.apply_receipts(&[r]).await.unwrap();
        single.matched += got.matched;
        single.pending += got.pending;
    }
    assert_eq!(batch, single);
    assert!(batch.matched > 800 && batch.pending > 0, "{batch:?}");
    // The rules, one receipt after the other: a failure of any part at once, `delivered`
    // once every part reported it, never backwards.
    type Model = (
        MessageStatus,
        Option<String>,
        Option<DateTime<Utc>>,
        Vec<Option<MessageStatus>>,
    );
    let mut model: Vec<Model> = (0..MESSAGES)
        .map(|k| (MessageStatus::Sent, None, None, vec![None; parts(k)]))
        .collect();
    for (k, part, status, code, _, at) in &plan {
        let Some((current, error, done, refs)) = model.get_mut(*k) else {
            continue;
        };
        if *status == MessageStatus::Sent {
            continue;
        }
        refs[*part] = Some(*status);
        let open = refs
            .iter()
            .any(|r| !matches!(r, Some(MessageStatus::Delivered | MessageStatus::Read)));
        if *status == MessageStatus::Delivered && open {
            continue;
        }
        if current.can_become(*status) {
            *current = *status;
            *error = code.clone().or(error.clone());
            *done = done.or(Some(*at));
        }
    }
    let mut changed = 0;
    for k in 0..MESSAGES {
        let m = store.message(a, worlds[0][k]).await.unwrap();
        assert_eq!(
            (m.status, &m.error_code, m.done_at),
            (model[k].0, &model[k].1, model[k].2),
            "message {k}: {:?}",
            plan.iter().filter(|p| p.0 == k).collect::<Vec<_>>()
        );
        let b = store.message(a, worlds[0][k]).await.unwrap();
        let s = store.message(a, worlds[1][k]).await.unwrap();
        assert_eq!(
            (b.status, &b.error_code, b.done_at),
            (s.status, &s.error_code, s.done_at),
            "message {k}"
        );
        changed += usize::from(b.status != MessageStatus::Sent);
    }
    assert!(changed > MESSAGES / 2, "{changed}");
    // One delivery report per message that reached a final status, in both.
    let t = later(1);
    let due = store
        .claim_callbacks(t, t + chrono::Duration::seconds(30), 1000)
        .await
        .unwrap();
    let reported = |world: &[MessageId]| -> Vec<usize> {
        let mut ks: Vec<usize> = due
            .iter()
            .filter_map(|c| world.iter().position(|m| *m == c.message().unwrap().id))
            .collect();
        ks.sort_unstable();
        ks
    };
    let (b, s) = (reported(&worlds[0]), reported(&worlds[1]));
    assert_eq!(b, s);
    assert!(b.windows(2).all(|w| w[0] < w[1]), "one report per message");
    assert!(!b.is_empty());
}
