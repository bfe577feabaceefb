//! Crash safety (issue 7): `kill -9` of `bote serve` in the middle of a large send. After a
//! restart every accepted message reaches a final status, none is lost, and the messages
//! the SMSC got twice — those submitted by the killed process whose outcome it had not yet
//! recorded — are counted, reported and bounded by the SMPP window plus the chunk of
//! outcomes being recorded and the one filling meanwhile, per dispatch loop.
//! Real parts: the `bote` binary as users run it, SQLite file or PostgreSQL, and the
//! Node.js SMSC of the channels crate's tests (it keeps receipts for an unbound client and
//! forwards them when it binds again, as an SMSC does).

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use bote::accounts::{create_account, create_token};
use bote::config::DatabaseUrl;
use bote::dispatch::RECORD_CHUNK;
use bote::store_open::open_store;
use bote_domain::{AccountKind, TokenScope};
use serde_json::json;
use support::serve::{Serve, free_port, healthy};
use support::smsc::Smsc;
use support::{Backend, database_url, eventually};

/// Messages in the send; the process is killed after `KILL_AFTER` reached the SMSC.
const MESSAGES: usize = 3_000;
const KILL_AFTER: usize = 500;
const WINDOW: usize = 32;

async fn kill_9_mid_send_loses_no_message(backend: Backend) {
    bote::install_tls_provider();
    let smsc = Smsc::start(&[("SMSC_RECEIPT_DELAY_MS", "20")]);
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(backend, &dir).await;
    let store = open_store(&DatabaseUrl::parse(&url).unwrap())
        .await
        .unwrap();
    let account = create_account(store.as_ref(), "acme", AccountKind::Business, None, None)
        .await
        .unwrap();
    let (_, token) = create_token(store.as_ref(), account.id, "crash", TokenScope::Full)
        .await
        .unwrap();

    let base = format!("http://127.0.0.1:{}", free_port());
    let env = [
        ("BOTE_DATABASE_URL", url.clone()),
        ("BOTE_LISTEN", base.trim_start_matches("http://").to_owned()),
        ("BOTE_SMPP", smsc.url(&format!("window={WINDOW}&name=smsc"))),
        ("BOTE_DISPATCH_LEASE_MS", "10000".to_owned()),
        (
            "BOTE_CALLBACK_SECRET",
            "crash-test-callback-secret".to_owned(),
        ),
    ];
    let log = dir.path().join("serve.log");
    let client = reqwest::Client::new();
    let mut serve = Serve::start(&env, &log);
    healthy(&client, &base).await;

    let numbers: Vec<String> = (0..MESSAGES).map(|i| format!("+4367610{i:05}")).collect();
    let r = client
        .post(format!("{base}/api/v1/sends"))
        .bearer_auth(&token)
        .json(&json!({"channel": "sms", "text": "Crash test", "to": {"numbers": numbers}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let accepted: serde_json::Value = r.json().await.unwrap();
    assert_eq!(accepted["accepted"], MESSAGES, "{accepted}");

    let before = smsc
        .wait_records("submit", KILL_AFTER, Duration::from_secs(60))
        .await
        .len();
    assert!(
        before >= KILL_AFTER,
        "only {before} submits before the kill"
    );
    serve.kill_9();
    let at_kill = smsc.records("submit").len();
    assert!(
        at_kill < MESSAGES,
        "the send finished before the kill ({at_kill} submits): nothing was tested"
    );

    let _serve = Serve::start(&env, &log);
    healthy(&client, &base).await;
    eventually(120, "every message final after the restart", || async {
        (store.unfinished_messages(None).await.unwrap() == 0).then_some(())
    })
    .await;

    let send = accepted["id"].as_i64().unwrap();
    let record: serde_json::Value = client
        .get(format!("{base}/api/v1/sends/{send}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        record["counts"],
        json!({"delivered": MESSAGES}),
        "every accepted message delivered"
    );

    let mut submits: BTreeMap<String, usize> = BTreeMap::new();
    for to in smsc.submitted_to() {
        *submits.entry(to).or_default() += 1;
    }
    assert_eq!(submits.len(), MESSAGES, "every number reached the SMSC");
    let twice: usize = submits.values().map(|n| n - 1).sum();
    let loops = if backend == Backend::Sqlite { 1 } else { 3 };
    // One chunk committing, the next filling meanwhile, and the SMPP window in flight.
    let bound = loops * (2 * RECORD_CHUNK + WINDOW);
    println!(
        "{backend:?}: {at_kill} submits before kill -9; {twice} message(s) sent twice after the restart (bound: {bound} = {loops} dispatch loop(s) x (2 chunks of {RECORD_CHUNK} + window {WINDOW}))"
    );
    assert!(
        twice <= bound,
        "{twice} sent twice: more than the killed process held in flight"
    );
    assert!(
        submits.values().all(|&n| n <= 2),
        "a message went out three times"
    );
}

on_both_backends!(kill_9_mid_send_loses_no_message);
