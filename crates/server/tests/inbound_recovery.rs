//! The crash gap between storing an inbound message and running its keywords: a message
//! stored with its "unprocessed" mark by a process that died before processing it (here:
//! recorded through the store with a lease that has run out, never through the pipeline)
//! is processed by the inbound worker of a running server — exactly once, in its sender's
//! order.

mod support;

use std::time::Duration;

use bote::inbound::{InboundWorker, Processor, sandbox_message};
use bote_domain::{ChannelKind, PhoneNumber, Region};
use serde_json::Value;
use support::consent::{events, ledger};
use support::{Backend, HARNESS_WHATSAPP_NUMBER, TestApp, eventually, opted_in_numbers, spawn_app};

const ONE: &str = "+436761000031";
const TWO: &str = "+436761000032";

async fn ledger_events(app: &TestApp, number: &str) -> Vec<String> {
    events(&ledger(app, number).await)
}

async fn stored_but_unprocessed_messages_are_processed_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let message = |from: &str, text: &str| {
        let from = PhoneNumber::parse(from, Region::AUSTRIA).unwrap();
        sandbox_message(
            ChannelKind::Whatsapp,
            &from,
            HARNESS_WHATSAPP_NUMBER.into(),
            text.into(),
        )
    };
    // What a process leaves behind that died right after storing: marked unprocessed,
    // its lease (zero here) run out, no keyword run.
    let stored = app
        .store
        .record_inbound_batch(
            vec![
                message(ONE, "Hallo"),
                message(TWO, "START"),
                message(ONE, "STOP"),
            ],
            Duration::ZERO,
        )
        .await
        .unwrap();
    assert!(stored.iter().all(|(_, new)| *new));
    assert!(
        opted_in_numbers(&app).await.is_empty(),
        "nothing processed yet"
    );

    eventually(30, "the worker to process the stored messages", || async {
        let one = ledger_events(&app, ONE).await;
        let two = opted_in_numbers(&app).await;
        (one.len() == 2 && two == [TWO]).then_some(())
    })
    .await;
    // Processed once each, ONE's in order: the first message opted in (R7), STOP revoked.
    assert_eq!(ledger_events(&app, ONE).await, ["opt_in", "revoked"]);
    assert_eq!(ledger_events(&app, TWO).await, ["opt_in"]);
    assert_eq!(opted_in_numbers(&app).await, [TWO]);

    // Marked processed: another worker (another process on the database) finds nothing.
    let other = InboundWorker::new(
        app.store.clone(),
        Processor::start(app.store.clone(), Default::default()),
    );
    assert_eq!(other.try_process_batch().await.unwrap(), 0);
    assert_eq!(ledger_events(&app, ONE).await, ["opt_in", "revoked"]);
    let kept: Value = app.get_json("/api/v1/inbound").await.1;
    assert_eq!(kept["data"].as_array().unwrap().len(), 3, "{kept}");
}

on_both_backends!(stored_but_unprocessed_messages_are_processed_once);
