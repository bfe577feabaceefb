//! Inbound messages waiting for processing: a batch is one write with a durable
//! "unprocessed" mark, leased to the process that stored it; a claim hands each message to
//! one caller per lease, and a processed message is never claimed again.

use std::sync::Arc;
use std::time::Duration;

use bote_domain::{AccountId, ChannelKind};
use chrono::Utc;

use super::support::account;
use crate::{InboundQuery, InboundRecord, NewBusinessNumber, NewInbound, Store};

const BUSINESS: &str = "+43800100100";
const LEASE: Duration = Duration::from_secs(60);

fn message(to: &str, from: &str, provider_id: &str) -> NewInbound {
    NewInbound {
        channel: ChannelKind::Whatsapp,
        connection: "whatsapp-cloud".into(),
        from: from.into(),
        to: to.into(),
        kind: "text".into(),
        text: Some(format!("Hallo {provider_id}")),
        provider_id: Some(provider_id.into()),
        received_at: Utc::now(),
    }
}

fn ids(records: &[InboundRecord]) -> Vec<i64> {
    records.iter().map(|r| r.id).collect()
}

/// The account's ten latest inbound messages.
async fn latest(store: &dyn Store, account: AccountId) -> Vec<InboundRecord> {
    let q = InboundQuery {
        limit: 10,
        ..InboundQuery::default()
    };
    store.list_inbound(account, q).await.unwrap().items
}

async fn with_number(store: &dyn Store) -> AccountId {
    let a = account(store, "A").await;
    store
        .add_business_number(a, NewBusinessNumber::plain(ChannelKind::Whatsapp, BUSINESS))
        .await
        .unwrap();
    a
}

pub async fn inbound_batches_are_stored_once_each_and_leased_to_the_caller(store: Arc<dyn Store>) {
    let a = with_number(&*store).await;
    let (earlier, _) = store
        .record_inbound(message(BUSINESS, "+436761000001", "wamid.0"))
        .await
        .unwrap();
    let stored = store
        .record_inbound_batch(
            vec![
                message(BUSINESS, "+436761000001", "wamid.1"),
                message(BUSINESS, "+436761000001", "wamid.2"),
                message(BUSINESS, "+436761000001", "wamid.1"),
                message(BUSINESS, "+436761000001", "wamid.0"),
                message("+43800999999", "+436761000002", "wamid.9"),
            ],
            LEASE,
        )
        .await
        .unwrap();
    let new: Vec<bool> = stored.iter().map(|(_, new)| *new).collect();
    assert_eq!(new, [true, true, false, false, true]);
    assert!(stored[0].0.id < stored[1].0.id, "stored in order");
    assert_eq!(
        stored[2].0, stored[0].0,
        "a repeat within the batch is the first"
    );
    assert_eq!(
        stored[3].0, earlier,
        "a repeat of an earlier message is that one"
    );
    assert_eq!(stored[4].0.account, None, "kept, routed nowhere");
    let listed = latest(&*store, a).await;
    for (record, _) in &stored[..2] {
        assert_eq!(record.account, Some(a));
        assert!(
            listed.contains(record),
            "the batch answers with the records as stored: {record:?} in {listed:?}"
        );
    }
    assert!(
        store
            .claim_unprocessed_inbound(10, LEASE)
            .await
            .unwrap()
            .is_empty(),
        "leased to the caller that stored them"
    );
    assert!(
        store
            .record_inbound_batch(vec![], LEASE)
            .await
            .unwrap()
            .is_empty()
    );
    // Without a provider id nothing tells two messages apart: each is stored.
    let mut plain = message(BUSINESS, "+436761000003", "-");
    plain.provider_id = None;
    let stored = store
        .record_inbound_batch(vec![plain.clone(), plain], LEASE)
        .await
        .unwrap();
    assert!(stored.iter().all(|(_, new)| *new));
    assert!(stored[0].0.id < stored[1].0.id);
    assert_eq!(stored[1].0.from, "+436761000003");
    // A batch of new messages only, the usual case, answers with the records as stored too.
    let fresh = store
        .record_inbound_batch(
            vec![
                message(BUSINESS, "+436761000004", "wamid.10"),
                message(BUSINESS, "+436761000005", "wamid.11"),
            ],
            LEASE,
        )
        .await
        .unwrap();
    let listed = latest(&*store, a).await;
    for (record, new) in &fresh {
        assert!(new);
        assert!(listed.contains(record), "{record:?} in {listed:?}");
    }
}

pub async fn unprocessed_inbound_is_claimed_once_per_lease_until_processed(store: Arc<dyn Store>) {
    with_number(&*store).await;
    // Stored, but the process that stored them died: their lease has run out.
    let stored = store
        .record_inbound_batch(
            ["wamid.1", "wamid.2", "wamid.3"]
                .map(|p| message(BUSINESS, "+436761000001", p))
                .to_vec(),
            Duration::ZERO,
        )
        .await
        .unwrap();
    let all: Vec<i64> = stored.iter().map(|(r, _)| r.id).collect();
    // Unmarked: messages recorded one by one (the caller processes them) and unrouted ones.
    store
        .record_inbound(message(BUSINESS, "+436761000002", "wamid.4"))
        .await
        .unwrap();
    store
        .record_inbound_batch(
            vec![message("+43800999999", "+436761000002", "wamid.5")],
            Duration::ZERO,
        )
        .await
        .unwrap();

    assert_eq!(
        store.unprocessed_inbound().await.unwrap(),
        3,
        "the backlog: the marked messages, leased or not"
    );
    let first = store.claim_unprocessed_inbound(2, LEASE).await.unwrap();
    assert_eq!(ids(&first), all[..2], "oldest first");
    assert_eq!(first[0].text.as_deref(), Some("Hallo wamid.1"));
    let rest = store.claim_unprocessed_inbound(10, LEASE).await.unwrap();
    assert_eq!(ids(&rest), all[2..]);
    assert!(
        store
            .claim_unprocessed_inbound(10, LEASE)
            .await
            .unwrap()
            .is_empty(),
        "each once while its lease runs"
    );

    // A claimer that dies too: once its lease has run out, the next claim takes over.
    let (late, _) = store
        .record_inbound_batch(
            vec![message(BUSINESS, "+436761000003", "wamid.6")],
            Duration::ZERO,
        )
        .await
        .unwrap()
        .remove(0);
    let taken = store
        .claim_unprocessed_inbound(10, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(ids(&taken), [late.id]);
    let again = store.claim_unprocessed_inbound(10, LEASE).await.unwrap();
    assert_eq!(ids(&again), [late.id], "taken over after the lease");

    let mut done = all.clone();
    done.push(late.id);
    store.mark_inbound_processed(&done).await.unwrap();
    store.mark_inbound_processed(&[]).await.unwrap();
    let (next, _) = store
        .record_inbound_batch(
            vec![message(BUSINESS, "+436761000003", "wamid.7")],
            Duration::ZERO,
        )
        .await
        .unwrap()
        .remove(0);
    let claimed = store
        .claim_unprocessed_inbound(10, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(
        ids(&claimed),
        [next.id],
        "processed messages are never claimed again"
    );
    assert_eq!(store.unprocessed_inbound().await.unwrap(), 1);
    store.mark_inbound_processed(&[next.id]).await.unwrap();
    assert_eq!(store.unprocessed_inbound().await.unwrap(), 0);
    assert!(
        store
            .claim_unprocessed_inbound(10, Duration::ZERO)
            .await
            .unwrap()
            .is_empty()
    );
}
