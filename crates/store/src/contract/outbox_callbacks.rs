//! Delivery-report callbacks: enqueued with final statuses, leased, retried, given up.

use std::sync::Arc;

use bote_domain::{CallbackId, MessageStatus};

use super::*;
use crate::{CallbackKind, CallbackOutcome};

pub async fn outbox_final_statuses_enqueue_callbacks<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let url = "https://example.test/dlr";
    let with_url = NewSend {
        callback_url: Some(url.into()),
        client_message_id: Some("c-1".into()),
        ..sms_send(a)
    };
    let (ids, claims) = sending(&*store, with_url, 5).await;
    let (quiet, quiet_claims) = sending(&*store, sms_send(a), 1).await;
    apply_outcomes(
        &*store,
        &[claims, quiet_claims].concat(),
        vec![
            (ids[0], sent("smsc", &["m0"])),
            (
                ids[1],
                Outcome::Final {
                    status: MessageStatus::Rejected,
                    reason: "invalid destination".into(),
                    code: Some("0x0B".into()),
                },
            ),
            (
                ids[2],
                Outcome::Retry {
                    at: later(600),
                    reason: "throttled".into(),
                },
            ),
            (ids[3], sent("smsc", &["m3"])),
            (ids[4], sent("smsc", &["m4"])),
            (quiet[0], sent("smsc", &["q0"])),
        ],
    )
    .await;
    let receipts = [
        receipt("smsc", &["m0"], MessageStatus::Delivered),
        receipt("smsc", &["m4"], MessageStatus::Sent),
        receipt("smsc", &["q0"], MessageStatus::Delivered),
    ];
    store.apply_receipts(&receipts).await.unwrap();
    // Read after delivered is no new report.
    store
        .apply_receipts(&[receipt("smsc", &["m0"], MessageStatus::Read)])
        .await
        .unwrap();
    let t = later(1);
    let mut due = store
        .claim_callbacks(t, t + Duration::seconds(30), 10)
        .await
        .unwrap();
    due.sort_by_key(|c| c.message().unwrap().id);
    assert_eq!(due.len(), 2, "{due:?}");
    assert_eq!(due[0].message().unwrap().id, ids[0]);
    assert_eq!(due[0].message().unwrap().status, MessageStatus::Read);
    assert_eq!(due[1].message().unwrap().id, ids[1]);
    assert_eq!(due[1].message().unwrap().status, MessageStatus::Rejected);
    assert_eq!(
        due[1].message().unwrap().error_code.as_deref(),
        Some("0x0B")
    );
    for callback in &due {
        assert_eq!(callback.account, a);
        assert_eq!(callback.url, url);
        assert_eq!(callback.kind, CallbackKind::DeliveryReport);
        assert_eq!(callback.send_client_message_id(), Some("c-1"));
        assert_eq!(callback.attempts, 0);
    }
    assert_eq!(due[0].message().unwrap().provider_ids, vec!["m0"]);
}

pub async fn outbox_callbacks_are_leased_retried_and_given_up<S: Store + OutboxStore + ?Sized>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let with_url = NewSend {
        callback_url: Some("https://example.test/dlr".into()),
        ..sms_send(a)
    };
    let (ids, claims) = sending(&*store, with_url, 2).await;
    let failed = |id| {
        (
            id,
            Outcome::Final {
                status: MessageStatus::Failed,
                reason: "no route".into(),
                code: None,
            },
        )
    };
    apply_outcomes(&*store, &claims, vec![failed(ids[0]), failed(ids[1])]).await;
    let t = later(1);
    let claim = |at: DateTime<Utc>| {
        let store = Arc::clone(&store);
        async move {
            let mut due = store
                .claim_callbacks(at, at + Duration::seconds(30), 10)
                .await
                .unwrap();
            due.sort_by_key(|c| c.id);
            due
        }
    };
    let first = claim(t).await;
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].send_client_message_id(), None);
    assert!(claim(t).await.is_empty(), "leased");
    let (c0, c1): (CallbackId, CallbackId) = (first[0].id, first[1].id);
    store
        .record_callbacks(&[
            (
                c0,
                CallbackOutcome::Retry {
                    at: t + Duration::seconds(60),
                    error: "HTTP 503".into(),
                },
            ),
            (c1, CallbackOutcome::Delivered),
        ])
        .await
        .unwrap();
    assert!(claim(t + Duration::seconds(40)).await.is_empty());
    let retry = claim(t + Duration::seconds(61)).await;
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].id, c0);
    assert_eq!(retry[0].attempts, 1);
    // Its dispatcher died: after the lease it is due again, attempts unchanged.
    let again = claim(t + Duration::seconds(92)).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
    store
        .record_callbacks(&[(
            c0,
            CallbackOutcome::GaveUp {
                error: "HTTP 410".into(),
            },
        )])
        .await
        .unwrap();
    // Recorded callbacks are done: recording again changes nothing.
    store
        .record_callbacks(&[(
            c1,
            CallbackOutcome::Retry {
                at: t,
                error: "late".into(),
            },
        )])
        .await
        .unwrap();
    assert!(claim(t + Duration::seconds(100_000)).await.is_empty());
}
