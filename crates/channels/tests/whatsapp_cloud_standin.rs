//! The Graph API stand-in that bote's Cloud API tests and benchmarks rely on: signed,
//! batched, retried status webhooks, inbound injection, faults and Meta's body checks
//! over HTTP.

mod cloud_support;

use std::collections::HashSet;
use std::time::Duration;

use bote_channels::SendOutcome;
use bote_graph_standin::{
    InboundContent, InboundMessage, PER_CHANGE, StandinConfig, WABA_ID, sign, verify,
};
use cloud_support::*;
use serde_json::{Value, json};

fn config(receiver: &Receiver, read_receipts: bool) -> StandinConfig {
    StandinConfig {
        webhook_url: Some(receiver.url()),
        status_delay: Duration::from_millis(10),
        read_receipts,
        ..StandinConfig::default()
    }
}

async fn accepted_ids(api: &bote_channels::whatsapp_cloud::CloudApi, n: i64) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        match api.send(&number(0), &text(i, "status?")).await {
            SendOutcome::Accepted { provider_ids } => ids.extend(provider_ids),
            other => panic!("{other:?}"),
        }
    }
    ids
}

/// R20 (going beyond): every accepted message gets `sent`, `delivered` and `read`
/// webhooks, in that order, each POST signed with the number's app secret so that
/// `sign`/`verify` accept it, at the number's own path.
#[tokio::test]
async fn r20_status_webhooks_arrive_signed_in_order() {
    let receiver = Receiver::start(0).await;
    let standin = standin(config(&receiver, true)).await;
    let ids = accepted_ids(&api(&standin), 3).await;
    let got = receiver.wait_until(|got| statuses(got).len() >= 9).await;
    for r in &got {
        let sig = r.signature.as_deref().expect("signed");
        assert_eq!(sig, sign(SECRET.as_bytes(), &r.body));
        assert!(verify(SECRET.as_bytes(), &r.body, sig));
        assert!(!verify(OTHER_SECRET.as_bytes(), &r.body, sig));
        assert_eq!(r.path_id, ID);
        let v = r.json();
        assert_eq!(v["object"], "whatsapp_business_account");
        assert_eq!(v["entry"][0]["id"], WABA_ID);
        assert_eq!(v["entry"][0]["changes"][0]["field"], "messages");
        let value = &v["entry"][0]["changes"][0]["value"];
        assert_eq!(value["metadata"]["display_phone_number"], "43800100100");
        let s = &value["statuses"][0];
        assert_eq!(s["recipient_id"], "4367612345678");
        assert!(s["timestamp"].as_str().unwrap().parse::<u64>().is_ok());
    }
    let all = statuses(&got);
    for id in &ids {
        let order: Vec<&str> = all
            .iter()
            .filter(|(_, w, _)| w == id)
            .map(|(_, _, s)| s.as_str())
            .collect();
        assert_eq!(order, ["sent", "delivered", "read"], "{id}");
    }
    // The counter moves once the receiver has answered.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while standin.stats().statuses_delivered < 9 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(standin.stats().statuses_delivered, 9);
}

/// Many messages at once: statuses come batched, several per POST and several changes per
/// entry, and two numbers with different secrets each get their own signed POSTs.
#[tokio::test]
async fn status_webhooks_are_batched() {
    let receiver = Receiver::start(0).await;
    let standin = standin(StandinConfig {
        status_delay: Duration::from_millis(200),
        webhook_linger: Duration::from_millis(300),
        ..config(&receiver, false)
    })
    .await;
    let api = std::sync::Arc::new(api(&standin));
    let other = bote_channels::whatsapp_cloud::CloudNumber {
        phone_number_id: OTHER_ID.into(),
        access_token: OTHER_TOKEN.into(),
        messages_per_second: 0,
    };
    let sends = (0..60).map(|i| {
        let (api, other) = (api.clone(), other.clone());
        tokio::spawn(async move {
            let from = if i % 2 == 0 { number(0) } else { other };
            api.send(&from, &text(i, "batch")).await
        })
    });
    for s in futures::future::join_all(sends).await {
        assert!(matches!(s.unwrap(), SendOutcome::Accepted { .. }));
    }
    let got = receiver.wait_until(|got| statuses(got).len() >= 120).await;
    assert!(got.len() < 60, "{} POSTs for 120 statuses", got.len());
    assert!(
        got.iter()
            .any(|r| r.json()["entry"][0]["changes"].as_array().unwrap().len() > 1),
        "30 statuses of one number span more than one change of {PER_CHANGE}"
    );
    for r in &got {
        let secret = if r.path_id == ID {
            SECRET
        } else {
            OTHER_SECRET
        };
        assert!(verify(
            secret.as_bytes(),
            &r.body,
            r.signature.as_deref().unwrap()
        ));
        let ids: HashSet<String> = statuses(std::slice::from_ref(r))
            .into_iter()
            .map(|(id, _, _)| id)
            .collect();
        assert_eq!(ids, HashSet::from([r.path_id.clone()]));
    }
}

/// A programmed delivery failure: `sent`, then `failed` with Meta's `errors` (code and
/// title) instead of `delivered`; the message after it is delivered as usual. Also over
/// `POST /_standin/failed-statuses`.
#[tokio::test]
async fn failed_statuses_carry_metas_error() {
    let receiver = Receiver::start(0).await;
    let standin = standin(config(&receiver, true)).await;
    standin.fail_status_next(1, 131026);
    let resp = reqwest::Client::new()
        .post(format!("{}/_standin/failed-statuses", standin.base_url()))
        .json(&json!({"count": 1, "code": 131047}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let ids = accepted_ids(&api(&standin), 3).await;
    // 2 × (sent, failed) + sent, delivered, read.
    let got = receiver.wait_until(|got| statuses(got).len() >= 7).await;
    let all = statuses(&got);
    let of = |id: &str| -> Vec<String> {
        all.iter()
            .filter(|(_, w, _)| w == id)
            .map(|(_, _, s)| s.clone())
            .collect()
    };
    assert_eq!(of(&ids[0]), ["sent", "failed"]);
    assert_eq!(of(&ids[1]), ["sent", "failed"]);
    assert_eq!(of(&ids[2]), ["sent", "delivered", "read"]);
    let failed: Vec<Value> = got
        .iter()
        .flat_map(|r| {
            let v = r.json();
            v["entry"][0]["changes"][0]["value"]["statuses"]
                .as_array()
                .unwrap()
                .clone()
        })
        .filter(|s| s["status"] == "failed")
        .collect();
    let codes: Vec<i64> = failed
        .iter()
        .map(|s| s["errors"][0]["code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [131026, 131047]);
    assert_eq!(failed[0]["errors"][0]["title"], "Message Undeliverable");
    assert_eq!(failed[1]["errors"][0]["title"], "Re-engagement message");
}

/// Meta's subscription handshake: the challenge must come back for the right token.
#[tokio::test]
async fn webhook_verification_handshake() {
    let receiver = Receiver::start(0).await;
    let standin = standin(config(&receiver, false)).await;
    assert_eq!(
        standin.verify_webhook(ID, VERIFY_TOKEN).await.unwrap(),
        (200, true)
    );
    assert_eq!(
        standin.verify_webhook(ID, "wrong").await.unwrap(),
        (403, false)
    );
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/_standin/verify", standin.base_url()))
        .json(&json!({"phone_number_id": OTHER_ID, "verify_token": VERIFY_TOKEN}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer, json!({"status": 200, "verified": true}));
}

/// A receiver that answers 500 gets the same POST again, like Meta retries.
#[tokio::test]
async fn refused_webhooks_are_sent_again() {
    let receiver = Receiver::start(2).await;
    let standin = standin(config(&receiver, false)).await;
    let ids = accepted_ids(&api(&standin), 1).await;
    let got = receiver.wait_until(|got| statuses(got).len() >= 2).await;
    let refused = receiver.refused();
    assert_eq!(refused.len(), 2);
    assert_eq!(refused[0].body, got[0].body, "the same POST again");
    assert_eq!(statuses(&got)[0].1, ids[0]);
    assert!(standin.stats().webhook_failures >= 2);
}

/// Status webhooks can be off while inbound injection still works.
#[tokio::test]
async fn status_webhooks_can_be_off() {
    let receiver = Receiver::start(0).await;
    let standin = standin(StandinConfig {
        status_webhooks: false,
        ..config(&receiver, false)
    })
    .await;
    accepted_ids(&api(&standin), 2).await;
    let sent = standin
        .inject_inbound(&InboundMessage {
            phone_number_id: ID.into(),
            from: TO.into(),
            name: None,
            message: InboundContent::Text { body: "hi".into() },
        })
        .await
        .unwrap();
    assert_eq!(sent.webhook_status, 200);
    let got = receiver.wait_until(|got| !got.is_empty()).await;
    assert_eq!(got.len(), 1);
    assert!(statuses(&got).is_empty());
}

/// Inbound messages (text, image, location, button) reach the webhook signed and in
/// Meta's shape, from Rust and over `POST /_standin/inbound`.
#[tokio::test]
async fn inbound_messages_are_injected_signed() {
    let receiver = Receiver::start(0).await;
    let standin = standin(config(&receiver, false)).await;
    let sent = standin
        .inject_inbound(&InboundMessage {
            phone_number_id: ID.into(),
            from: TO.into(),
            name: Some("Max".into()),
            message: InboundContent::Text {
                body: "START KUNDEN 👋".into(),
            },
        })
        .await
        .unwrap();
    assert!(sent.wamid.starts_with("wamid."));
    let http = reqwest::Client::new();
    for message in [
        json!({"type": "image", "caption": "Foto"}),
        json!({"type": "location", "latitude": 48.2082, "longitude": 16.3738, "name": "Stephansplatz"}),
        json!({"type": "button", "text": "Ja", "payload": "yes"}),
    ] {
        let answer: Value = http
            .post(format!("{}/_standin/inbound", standin.base_url()))
            .json(
                &json!({"phone_number_id": OTHER_ID, "from": "4367600000001", "message": message}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["webhook_status"], 200, "{answer}");
    }
    let got = receiver.wait_until(|got| got.len() >= 4).await;
    let msg = |i: usize| got[i].json()["entry"][0]["changes"][0]["value"]["messages"][0].clone();
    assert!(verify(
        SECRET.as_bytes(),
        &got[0].body,
        got[0].signature.as_deref().unwrap()
    ));
    assert_eq!(msg(0)["id"], sent.wamid.as_str());
    assert_eq!(msg(0)["text"]["body"], "START KUNDEN 👋");
    assert_eq!(
        got[0].json()["entry"][0]["changes"][0]["value"]["contacts"][0],
        json!({"profile": {"name": "Max"}, "wa_id": "4367612345678"})
    );
    for r in &got[1..] {
        assert_eq!(r.path_id, OTHER_ID);
        assert!(verify(
            OTHER_SECRET.as_bytes(),
            &r.body,
            r.signature.as_deref().unwrap()
        ));
    }
    assert_eq!(msg(1)["image"]["caption"], "Foto");
    assert_eq!(msg(2)["location"]["name"], "Stephansplatz");
    assert_eq!(msg(3)["button"], json!({"text": "Ja", "payload": "yes"}));

    let unknown = standin
        .inject_inbound(&InboundMessage {
            phone_number_id: "999".into(),
            from: TO.into(),
            name: None,
            message: InboundContent::Text { body: "x".into() },
        })
        .await;
    assert!(unknown.unwrap_err().to_string().contains("999"));
}

/// Faults programmed over HTTP answer the next sends; Meta's body checks name the
/// parameter; requests and counters are visible over HTTP.
#[tokio::test]
async fn http_controls_and_body_checks() {
    let standin = standin(StandinConfig::default()).await;
    let base = standin.base_url();
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{base}/_standin/faults"))
        .json(&json!({"count": 2, "http_status": 400, "code": 131047}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let api = api(&standin);
    for _ in 0..2 {
        assert!(matches!(api.send(&number(0), &text(1, "x")).await,
            SendOutcome::Rejected { ref code, .. } if code == "131047"));
    }
    assert!(matches!(
        api.send(&number(0), &text(1, "x")).await,
        SendOutcome::Accepted { .. }
    ));

    let post = |body: Value, token: &str| {
        http.post(format!("{base}/v21.0/{ID}/messages"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let resp = post(json!({"messaging_product": "whatsapp", "to": "4367612345678", "type": "image", "image": {}}), TOKEN)
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let err: Value = resp.json().await.unwrap();
    assert_eq!(err["error"]["code"], 100);
    assert_eq!(err["error"]["message"], "(#100) Invalid parameter");
    assert!(
        err["error"]["error_data"]["details"]
            .as_str()
            .unwrap()
            .contains("image.link")
    );
    assert!(err["error"]["fbtrace_id"].is_string());

    let resp = post(
        json!({"messaging_product": "whatsapp", "to": "4367612345678", "text": {"body": "x"}}),
        "nope",
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 401);
    let err: Value = resp.json().await.unwrap();
    assert_eq!(err["error"]["code"], 190);
    assert_eq!(err["error"]["type"], "OAuthException");

    let recorded: Value = http
        .get(format!("{base}/_standin/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let recorded = recorded.as_array().unwrap();
    assert_eq!(recorded.len(), 5);
    assert_eq!(recorded[2]["status"], 200);
    assert_eq!(recorded[3]["kind"], "image");
    let stats: Value = http
        .get(format!("{base}/_standin/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["accepted"], 1);
    assert_eq!(stats["refused"], 4);
}
