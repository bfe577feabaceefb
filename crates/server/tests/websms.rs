//! The websms-compatible API as websms clients call it: status codes, transferId, smsCount,
//! and delivery reports POSTed to `notificationCallbackUrl`, signed and retried.

mod support;

use serde_json::{Value, json};
use support::receiver::Receiver;
use support::{Backend, TestApp, eventually, json_of, spawn_app};

async fn websms(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    json_of(
        app.client
            .post(app.url(path))
            .basic_auth("any-user", Some(&app.token))
            .header("content-type", "application/json;charset=UTF-8")
            .body(body.to_string())
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn text_messages_are_sent_and_reported(backend: Backend) {
    let app = spawn_app(backend).await;
    let (receiver, addr) = Receiver::start().await;
    *receiver.fail_first.lock().unwrap() = 1; // the first callback attempt fails and is retried
    let (status, r) = websms(
        &app,
        "/rest/smsmessaging/text",
        json!({
            "recipientAddressList": ["4367612345678", 4367612345679_u64],
            "messageContent": "Grüße aus Wien – ein Test mit € und mehr als siebzig Zeichen, damit es zwei Teile werden!",
            "senderAddress": "bote", "senderAddressType": "alphanumeric",
            "notificationCallbackUrl": format!("http://{addr}/cb"),
            "clientMessageId": "order-7", "priority": 5, "maxSmsPerMessage": "3",
            "unknownFieldFromANewerClient": true
        }),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["statusCode"], 2000, "{r}");
    assert_eq!(r["statusMessage"], "OK");
    assert_eq!(r["clientMessageId"], "order-7");
    assert_eq!(
        r["smsCount"], 4,
        "2 recipients × 2 segments (UCS-2 because of –)"
    );
    let transfer = r["transferId"].as_str().unwrap().to_owned();
    assert_eq!(transfer.len(), 20);
    assert!(transfer.chars().all(|c| c.is_ascii_hexdigit()));

    // Retries can take up to the first scheduled wait (10 s) plus the sandbox delay.
    let reports = eventually(30, "two delivery reports", || async {
        let got = receiver.all();
        (got.len() == 2).then_some(got)
    })
    .await;
    let mut senders: Vec<String> = Vec::new();
    for rep in &reports {
        let b = &rep.body;
        assert_eq!(b["messageType"], "deliveryReport");
        assert_eq!(b["transferId"], transfer.as_str());
        assert_eq!(b["deliveryReportMessageStatus"], "delivered");
        assert_eq!(b["deliveredAs"], "sms");
        assert_eq!(b["clientMessageId"], "order-7");
        assert_eq!(b["notificationId"].as_str().unwrap().len(), 20);
        assert!(b["sentOn"].is_string() && b["deliveredOn"].is_string());
        let signature = rep.signature.as_deref().expect("signed");
        assert!(
            bote::callbacks::verify(b"test-callback-secret", signature, &rep.raw),
            "signature verifies"
        );
        senders.push(b["senderAddress"].as_str().unwrap().to_owned());
    }
    senders.sort();
    assert_eq!(senders, ["4367612345678", "4367612345679"]);
}

async fn websms_errors_use_websms_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let bad_auth = app
        .client
        .post(app.url("/rest/smsmessaging/text"))
        .basic_auth("nobody", Some("wrong"))
        .json(&json!({"recipientAddressList": ["4367612345678"], "messageContent": "x"}))
        .send()
        .await
        .unwrap();
    let (status, e) = json_of(bad_auth).await;
    assert_eq!((status, e["statusCode"].as_i64()), (401, Some(4001)));

    let cases = [
        (json!({"messageContent": "x"}), 4019),
        (
            json!({"recipientAddressList": ["abc"], "messageContent": "x"}),
            4002,
        ),
        (
            json!({"recipientAddressList": ["4367612345678"], "messageContent": "x", "priority": 12}),
            4015,
        ),
        (
            json!({"recipientAddressList": ["4367612345678"], "messageContent": "x".repeat(400), "maxSmsPerMessage": 2}),
            4026,
        ),
        (
            json!({"recipientAddressList": ["4367612345678"], "messageContent": "x", "validityPeriode": 10}),
            4041,
        ),
        (
            json!({"recipientAddressList": ["4367612345678"], "messageContent": "x", "notificationCallbackUrl": "nope"}),
            4016,
        ),
    ];
    for (body, code) in cases {
        let (status, r) = websms(&app, "/json/smsmessaging/text", body.clone()).await;
        assert_eq!(
            (status, r["statusCode"].as_i64()),
            (200, Some(code)),
            "{body}: {r}"
        );
    }
    let (_, r) = websms(&app, "/rest/smsmessaging/text", json!("not an object")).await;
    assert_eq!(r["statusCode"], 4000);

    // test: true validates and counts, sends nothing.
    let (_, r) = websms(
        &app,
        "/rest/smsmessaging/text",
        json!({"recipientAddressList": ["4367612345678"], "messageContent": "x", "test": true}),
    )
    .await;
    assert_eq!(
        (r["statusCode"].as_i64(), r["smsCount"].as_i64()),
        (Some(2000), Some(1))
    );
    let (_, msgs) = app.get_json("/api/v1/messages?status=queued").await;
    assert_eq!(msgs["data"], json!([]));

    // The query-string variant with access_token.
    let resp = app
        .client
        .get(app.url(&format!(
            "/rest/smsmessaging/simple?recipientAddressList=4367612345678&messageContent=Hallo&access_token={}",
            app.token
        )))
        .send()
        .await
        .unwrap();
    let (status, r) = json_of(resp).await;
    assert_eq!((status, r["statusCode"].as_i64()), (200, Some(2000)), "{r}");
}

async fn binary_messages_are_sent_and_delivered(backend: Backend) {
    let app = spawn_app(backend).await;
    // Two segments, each with the client's concatenation UDH (ref 0x2a, 2 parts).
    let (status, r) = websms(
        &app,
        "/rest/smsmessaging/binary",
        json!({
            "recipientAddressList": ["4367612345678", "4367612345679"],
            "messageContent": ["BQADKgIB3q0A", "BQADKgIC", ],
            "userDataHeaderPresent": true,
            "senderAddress": "bote", "senderAddressType": "alphanumeric",
            "clientMessageId": "bin-1", "maxSmsPerMessage": 2
        }),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["statusCode"], 2000, "{r}");
    assert_eq!(r["clientMessageId"], "bin-1");
    assert_eq!(r["smsCount"], 4, "2 recipients × 2 segments: {r}");

    let msgs = eventually(20, "both binary messages delivered", || async {
        let (_, r) = app.get_json("/api/v1/messages?status=delivered").await;
        let msgs = r["data"].as_array().cloned().unwrap_or_default();
        (msgs.len() == 2).then_some(msgs)
    })
    .await;
    for m in &msgs {
        assert_eq!(m["segments"], 2, "{m}");
        assert_eq!(m["provider_ids"].as_array().unwrap().len(), 1, "{m}");
    }

    // The legacy path too, without UDH.
    let (_, r) = websms(
        &app,
        "/json/smsmessaging/binary",
        json!({"recipientAddressList": ["4367612345678"], "messageContent": ["aGk="], "test": true}),
    )
    .await;
    assert_eq!(
        (r["statusCode"].as_i64(), r["smsCount"].as_i64()),
        (Some(2000), Some(1)),
        "{r}"
    );
}

async fn bad_binary_messages_use_websms_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let to = json!(["4367612345678"]);
    let big = base64_of(&[0x42; 141]);
    let cases = [
        (json!({"recipientAddressList": to}), 4019, "messageContent"),
        (
            json!({"recipientAddressList": to, "messageContent": "aGk="}),
            4007,
            "messageContent",
        ),
        (
            json!({"recipientAddressList": to, "messageContent": ["aGk=", "%%%"]}),
            4027,
            "messageContent[1] is not base64",
        ),
        (
            json!({"recipientAddressList": to, "messageContent": [big]}),
            4027,
            "messageContent[0] has 141 octets",
        ),
        (
            json!({"recipientAddressList": to, "messageContent": ["/w=="], "userDataHeaderPresent": true}),
            4027,
            "userDataHeaderPresent",
        ),
        (
            json!({"recipientAddressList": to, "messageContent": ["aGk=", "aGk=", "aGk="], "maxSmsPerMessage": 2}),
            4026,
            "maxSmsPerMessage",
        ),
        (
            json!({"recipientAddressList": to, "messageContent": ["aGk="], "userDataHeaderPresent": "maybe"}),
            4000,
            "userDataHeaderPresent",
        ),
    ];
    for (body, code, named) in cases {
        let (status, r) = websms(&app, "/rest/smsmessaging/binary", body.clone()).await;
        assert_eq!(
            (status, r["statusCode"].as_i64()),
            (200, Some(code)),
            "{body}: {r}"
        );
        let message = r["statusMessage"].as_str().unwrap();
        assert!(message.contains(named), "{body}: {message}");
    }
    let (_, msgs) = app.get_json("/api/v1/messages").await;
    assert_eq!(msgs["data"], json!([]), "nothing was accepted");
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

on_both_backends!(
    text_messages_are_sent_and_reported,
    websms_errors_use_websms_codes,
    binary_messages_are_sent_and_delivered,
    bad_binary_messages_use_websms_codes
);
