//! The published websms Python client (PyPI `websms`, pinned in tests/python/requirements.txt)
//! sending through a running bote, unchanged but for its URL. scripts/test.sh installs it into
//! target/test-venv and exports BOTE_TEST_PYTHON; tests/python/websms_client.py drives it and
//! prints one JSON object per case.

mod support;

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value;
use support::receiver::Receiver;
use support::{Backend, TestApp, eventually, spawn_app};

/// The venv interpreter scripts/test.sh made; a missing one fails the test, never skips it.
fn python() -> PathBuf {
    let path = std::env::var_os("BOTE_TEST_PYTHON").unwrap_or_else(|| {
        panic!(
            "BOTE_TEST_PYTHON is not set: run the suite with scripts/test.sh, which installs \
             the websms Python client (tests/python/requirements.txt) into target/test-venv \
             and exports BOTE_TEST_PYTHON=<that venv's python>"
        )
    });
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "BOTE_TEST_PYTHON={} does not exist: run scripts/test.sh, which creates the venv",
        path.display()
    );
    path
}

/// Runs websms_client.py against `app`, reports to `callback`; its cases by name.
async fn run_client(app: &TestApp, callback: &str) -> HashMap<String, Value> {
    let python = python();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/websms_client.py");
    let args = [app.base.clone(), app.token.clone(), callback.to_owned()];
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(&python)
            .arg(&script)
            .args(&args)
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", python.display()))
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "websms_client.py failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    stdout
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {line}\nstderr:\n{stderr}"));
            (v["case"].as_str().unwrap().to_owned(), v)
        })
        .collect()
}

fn assert_transfer_id(case: &Value) -> String {
    let id = case["transferId"]
        .as_str()
        .unwrap_or_else(|| panic!("{case}"));
    assert!(
        id.len() == 20 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "transferId of 20 hex digits: {case}"
    );
    assert_eq!(
        case["returned"], id,
        "send() returns the transferId: {case}"
    );
    id.to_owned()
}

/// bote's send id behind a websms transferId.
fn send_id(transfer: &str) -> i64 {
    i64::from_str_radix(transfer, 16).unwrap()
}

async fn messages_of(app: &TestApp, transfer: &str) -> Vec<Value> {
    let (status, page) = app
        .get_json(&format!("/api/v1/messages?send={}", send_id(transfer)))
        .await;
    assert_eq!(status, 200, "{page}");
    page["data"].as_array().unwrap().clone()
}

async fn delivered(app: &TestApp, transfer: &str, count: usize) -> Vec<Value> {
    eventually(15, "messages delivered", || async {
        let msgs = messages_of(app, transfer).await;
        (msgs.len() == count && msgs.iter().all(|m| m["status"] == "delivered")).then_some(msgs)
    })
    .await
}

fn recipients(msgs: &[Value]) -> Vec<String> {
    let mut r: Vec<String> = msgs
        .iter()
        .map(|m| m["recipient"].as_str().unwrap().to_owned())
        .collect();
    r.sort();
    r
}

async fn the_published_python_client_sends_through_bote(backend: Backend) {
    let app = spawn_app(backend).await;
    let (receiver, addr) = Receiver::start().await;
    let cases = run_client(&app, &format!("http://{addr}/cb")).await;
    let case = |name: &str| {
        cases
            .get(name)
            .unwrap_or_else(|| panic!("no {name} case in {cases:?}"))
    };

    assert_eq!(case("client")["package"], "websms");
    assert_eq!(
        case("client")["version"],
        "1.0.0",
        "the version pinned in tests/python/requirements.txt"
    );

    // The public API: SMS(...).send() with max_sms_per_message=3, sent as the string "3".
    let plain = case("plain");
    assert_eq!(plain["ok"], true, "{plain}");
    assert_eq!(plain["statusCode"], 2000, "{plain}");
    assert_eq!(plain["statusMessage"], "OK");
    assert_eq!(plain["smsCount"], 4, "2 recipients × 2 segments: {plain}");
    assert_eq!(plain["clientMessageId"], Value::Null);
    let plain_transfer = assert_transfer_id(plain);
    let msgs = delivered(&app, &plain_transfer, 2).await;
    assert_eq!(recipients(&msgs), ["+4367612345678", "+4367612345679"]);
    assert!(msgs.iter().all(|m| m["segments"] == 2), "{msgs:?}");

    // clientMessageId and notificationCallbackUrl through the client's request function.
    let tracked = case("tracked");
    assert_eq!(tracked["ok"], true, "{tracked}");
    assert_eq!(tracked["statusCode"], 2000, "{tracked}");
    assert_eq!(
        tracked["smsCount"], 2,
        "2 recipients × 1 segment: {tracked}"
    );
    assert_eq!(
        tracked["clientMessageId"], "py-order-42",
        "echoed: {tracked}"
    );
    let transfer = assert_transfer_id(tracked);
    assert_ne!(transfer, plain_transfer);
    let msgs = delivered(&app, &transfer, 2).await;
    assert_eq!(recipients(&msgs), ["+4367612345678", "+4367612345679"]);
    let (_, send) = app
        .get_json(&format!("/api/v1/sends/{}", send_id(&transfer)))
        .await;
    assert_eq!(send["client_message_id"], "py-order-42", "{send}");
    assert_eq!(send["source"], "websms", "{send}");

    let reports = eventually(15, "two delivery reports", || async {
        let got = receiver.all();
        (got.len() == 2).then_some(got)
    })
    .await;
    let mut report_numbers = Vec::new();
    for report in &reports {
        let b = &report.body;
        assert_eq!(b["messageType"], "deliveryReport", "{b}");
        assert_eq!(b["deliveryReportMessageStatus"], "delivered", "{b}");
        assert_eq!(b["transferId"], transfer.as_str(), "{b}");
        assert_eq!(b["clientMessageId"], "py-order-42", "{b}");
        report_numbers.push(b["senderAddress"].as_str().unwrap().to_owned());
    }
    report_numbers.sort();
    assert_eq!(report_numbers, ["4367612345678", "4367612345679"]);

    // test=True: validated and counted, nothing goes out.
    let test = case("test");
    assert_eq!(test["ok"], true, "{test}");
    assert_eq!(test["statusCode"], 2000, "{test}");
    assert_eq!(test["smsCount"], 1, "{test}");
    let test_transfer = assert_transfer_id(test);
    let msgs = messages_of(&app, &test_transfer).await;
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert_eq!(
        (&msgs[0]["status"], &msgs[0]["reason"]),
        (&Value::from("skipped"), &Value::from("test")),
        "a test send delivers nothing: {msgs:?}"
    );

    // A websms error in a 200 answer: the client raises RequestError with statusMessage.
    let too_long = case("too_long");
    assert_eq!(too_long["ok"], false, "{too_long}");
    assert_eq!(too_long["error"], "RequestError", "{too_long}");
    assert!(
        too_long["message"]
            .as_str()
            .unwrap()
            .starts_with("maxSmsPerMessage exceeded"),
        "{too_long}"
    );

    // Wrong credentials: HTTP 401, which the client raises as RequestError; the websms
    // code 4001 is in the response it keeps.
    let bad = case("bad_credentials");
    assert_eq!(bad["ok"], false, "{bad}");
    assert_eq!(bad["error"], "RequestError", "{bad}");
    assert!(bad["message"].as_str().unwrap().starts_with("401"), "{bad}");
    assert_eq!(bad["httpStatus"], 401, "{bad}");
    assert_eq!(bad["body"]["statusCode"], 4001, "{bad}");
    assert_eq!(bad["body"]["statusMessage"], "Invalid credentials", "{bad}");
    assert_eq!(case("bad_credentials_silent")["returned"], Value::Null);

    // Nothing more than the two real sends went out.
    let (_, all) = app.get_json("/api/v1/messages?status=delivered").await;
    assert_eq!(all["data"].as_array().unwrap().len(), 4, "{all}");
}

on_both_backends!(the_published_python_client_sends_through_bote);
