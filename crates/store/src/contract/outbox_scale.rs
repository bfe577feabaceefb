//! Volume and concurrency: a large group send, concurrent claimers, receipts racing their
//! outcomes.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use bote_domain::{ChannelKind, MessageStatus};

use super::super::support::{codes, sms, whatsapp};
use super::*;
use crate::{ImportRow, MAX_LISTED_SKIPS};

pub async fn outbox_large_group_sends_are_accepted_in_the_database<
    S: Store + OutboxStore + ?Sized,
>(
    store: Arc<S>,
) {
    const CONTACTS: u32 = 100_000;
    const BATCH: u32 = 10_000;
    let a = account(&*store, "A").await;
    for start in (0..CONTACTS).step_by(BATCH as usize) {
        let rows: Vec<ImportRow> = (start..start + BATCH)
            .map(|i| ImportRow {
                line: u64::from(i) + 1,
                // Every tenth contact has only a WhatsApp number.
                sms_number: (i % 10 != 0).then(|| sms(i)),
                whatsapp_number: (i % 10 == 0).then(|| whatsapp(i)),
                groups: codes(&["all"]),
                ..ImportRow::default()
            })
            .collect();
        let outcome = store.import_contacts(a, &rows).await.expect("import");
        assert_eq!(outcome.created, u64::from(BATCH));
    }
    let recipients = Recipients {
        groups: codes(&["all"]),
        ..numbers([sms(1), sms(CONTACTS + 1)])
    };
    let acceptance = accept(&*store, sms_send(a), recipients).await;
    assert_eq!(acceptance.accepted, u64::from(CONTACTS / 10 * 9 + 1));
    assert_eq!(
        acceptance.skipped_by_reason,
        BTreeMap::from([(SkipReason::NoNumber, u64::from(CONTACTS / 10))])
    );
    assert_eq!(acceptance.skipped.len(), MAX_LISTED_SKIPS);
    assert_eq!(
        acceptance.send.counts,
        BTreeMap::from([
            (MessageStatus::Queued, u64::from(CONTACTS / 10 * 9 + 1)),
            (MessageStatus::Skipped, u64::from(CONTACTS / 10)),
        ])
    );
    assert_eq!(
        store.unfinished_messages(Some(a)).await.unwrap(),
        u64::from(CONTACTS / 10 * 9 + 1)
    );
    let claimed = store
        .claim_messages(ChannelKind::Sms, later(1), later(60), 100)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 100);
}

pub async fn outbox_concurrent_claimers_never_share_a_message<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    for start in (0..2_000).step_by(500) {
        send_to(&*store, a, start, start + 500).await;
    }
    let t = later(1);
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let batch = store
                        .claim_messages(ChannelKind::Sms, t, t + Duration::seconds(600), 50)
                        .await
                        .expect("claim");
                    if batch.is_empty() {
                        return mine;
                    }
                    mine.extend(ids_of(&batch));
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    let mut seen = HashSet::new();
    let mut total = 0;
    for task in tasks {
        for id in task.await.expect("claimer") {
            total += 1;
            assert!(seen.insert(id), "{id} claimed twice");
        }
    }
    assert_eq!(total, 2_000);
    assert!(claim_at(&*store, t).await.is_empty());
}

pub async fn outbox_receipts_racing_their_sent_outcome_are_not_lost<
    S: Store + OutboxStore + ?Sized,
>(
    store: Arc<S>,
) {
    const N: usize = 120;
    let a = account(&*store, "A").await;
    let (ids, claims) = sending(&*store, sms_send(a), N as u32).await;
    let part = |i: usize, p: u8| format!("r{i}-{p}");
    // One task records the outcomes, two others the receipts of each part, all at once.
    let outcomes = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            for chunk in (0..N).collect::<Vec<_>>().chunks(10) {
                let batch: Vec<(MessageId, ClaimToken, Outcome)> = chunk
                    .iter()
                    .map(|&i| {
                        let (p1, p2) = (part(i, 1), part(i, 2));
                        let outcome = sent("smsc", &[p1.as_str(), p2.as_str()]);
                        (claims[i].id, claims[i].claim, outcome)
                    })
                    .collect();
                store.record_outcomes(&batch).await.expect("outcomes");
                tokio::task::yield_now().await;
            }
        })
    };
    let receipts: Vec<_> = [1u8, 2]
        .into_iter()
        .map(|p| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let mut pending = 0;
                for chunk in (0..N).collect::<Vec<_>>().chunks(7) {
                    let batch: Vec<ReceiptUpdate> = chunk
                        .iter()
                        .map(|&i| receipt("smsc", &[part(i, p).as_str()], MessageStatus::Delivered))
                        .collect();
                    let result = store.apply_receipts(&batch).await.expect("receipts");
                    assert_eq!(result.matched + result.pending, batch.len() as u64);
                    pending += result.pending;
                    tokio::task::yield_now().await;
                }
                pending
            })
        })
        .collect();
    outcomes.await.expect("outcome task");
    for task in receipts {
        task.await.expect("receipt task");
    }
    for &id in &ids {
        assert_eq!(
            status_of(&*store, a, id).await,
            MessageStatus::Delivered,
            "{id}"
        );
    }
    assert_eq!(store.unfinished_messages(Some(a)).await.unwrap(), 0);
    let send = store.message(a, ids[0]).await.unwrap().send_id;
    assert_eq!(
        status_counts(&*store, a, send).await,
        BTreeMap::from([(MessageStatus::Delivered, N as u64)])
    );
}
