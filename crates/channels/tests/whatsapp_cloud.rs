//! The WhatsApp Cloud API client against the Graph API stand-in over real HTTP: Meta's
//! bodies for every content kind, wamids, error codes, the per-number rate, secrets.

mod cloud_support;

use std::time::Duration;

use bote_channels::whatsapp_cloud::answer::OUTSIDE_WINDOW_REASON;
use bote_channels::whatsapp_cloud::{CloudApi, CloudConfig, CloudNumber};
use bote_channels::{SendOutcome, WhatsappContent};
use bote_domain::MediaKind;
use bote_graph_standin::{Fault, StandinConfig};
use cloud_support::*;
use serde_json::{Value, json};
use tokio::time::Instant;

fn wamid(outcome: SendOutcome) -> String {
    match outcome {
        SendOutcome::Accepted { provider_ids } => {
            assert_eq!(provider_ids.len(), 1);
            provider_ids.into_iter().next().unwrap()
        }
        other => panic!("not accepted: {other:?}"),
    }
}

/// R18: text with emoji, every media kind by link and templates go out in Meta's JSON,
/// and each answer's wamid comes back as the provider id.
#[tokio::test]
async fn r18_every_content_kind_is_sent_in_metas_shape() {
    let standin = standin(StandinConfig::default()).await;
    let api = api(&standin);
    let media = |kind, caption: Option<&str>, filename: Option<&str>| WhatsappContent::Media {
        kind,
        link: format!("https://cdn.example/{}", kind.as_str()),
        caption: caption.map(str::to_owned),
        filename: filename.map(str::to_owned),
    };
    let cases: Vec<(WhatsappContent, Value)> = vec![
        (
            WhatsappContent::Text {
                body: "Hallo 👋 Grüße 🇦🇹".into(),
            },
            json!({"type": "text", "text": {"body": "Hallo 👋 Grüße 🇦🇹", "preview_url": false}}),
        ),
        (
            media(MediaKind::Image, Some("Neu 📦"), None),
            json!({"type": "image", "image": {"link": "https://cdn.example/image", "caption": "Neu 📦"}}),
        ),
        (
            media(MediaKind::Video, Some("Clip"), None),
            json!({"type": "video", "video": {"link": "https://cdn.example/video", "caption": "Clip"}}),
        ),
        (
            media(MediaKind::Audio, None, None),
            json!({"type": "audio", "audio": {"link": "https://cdn.example/audio"}}),
        ),
        (
            media(MediaKind::Document, Some("Rechnung"), Some("rechnung.pdf")),
            json!({"type": "document", "document": {"link": "https://cdn.example/document",
                "caption": "Rechnung", "filename": "rechnung.pdf"}}),
        ),
        (
            WhatsappContent::Template {
                name: "order_update".into(),
                language: "de".into(),
                parameters: vec!["Max".into(), "4711 ✅".into()],
            },
            json!({"type": "template", "template": {"name": "order_update", "language": {"code": "de"},
                "components": [{"type": "body", "parameters": [
                    {"type": "text", "text": "Max"}, {"type": "text", "text": "4711 ✅"}]}]}}),
        ),
    ];
    for (i, (content, want)) in cases.into_iter().enumerate() {
        let id = wamid(api.send(&number(80), &message(i as i64, content)).await);
        assert!(id.starts_with("wamid."), "{id}");
        let rec = standin.requests().pop().unwrap();
        assert_eq!(rec.phone_number_id, ID);
        assert_eq!(rec.wamid.as_deref(), Some(id.as_str()));
        assert_eq!(
            rec.to.as_deref(),
            Some("4367612345678"),
            "E.164 without '+'"
        );
        let mut expected = json!({"messaging_product": "whatsapp", "recipient_type": "individual",
            "to": "4367612345678"});
        for (k, v) in want.as_object().unwrap() {
            expected[k] = v.clone();
        }
        assert_eq!(rec.body, expected);
        assert_eq!(rec.kind.as_deref(), expected["type"].as_str());
    }
    let ids: std::collections::HashSet<_> = standin
        .requests()
        .into_iter()
        .filter_map(|r| r.wamid)
        .collect();
    assert_eq!(ids.len(), 6, "a fresh wamid per message");
}

/// Each Graph error code becomes the outcome the dispatcher needs: throughput and pair
/// rate retry after a pause, the 24-hour window asks for a template, other codes are
/// refusals keeping Meta's code and message, bare 5xx/429 retry.
#[tokio::test]
async fn error_codes_map_to_outcomes() {
    let standin = standin(StandinConfig::default()).await;
    let api = api(&standin);
    let (from, msg) = (number(0), text(1, "hi"));
    let send = || api.send(&from, &msg);

    standin.fail_next(1, 130429, 400);
    assert!(matches!(send().await,
        SendOutcome::Retry { after: Some(d), ref reason } if d == Duration::from_secs(1) && reason.contains("130429")));
    standin.fail_next(1, 131056, 400);
    assert!(matches!(send().await,
        SendOutcome::Retry { after: Some(d), .. } if d == Duration::from_secs(6)));

    standin.fail_next(1, 131047, 400);
    assert_eq!(
        send().await,
        SendOutcome::Rejected {
            code: "131047".into(),
            reason: OUTSIDE_WINDOW_REASON.into()
        }
    );
    assert!(OUTSIDE_WINDOW_REASON.contains("template"));

    standin.fail_next(1, 131030, 400);
    match send().await {
        SendOutcome::Rejected { code, reason } => {
            assert_eq!(code, "131030");
            assert!(
                reason.contains("(#131030) Recipient phone number not in allowed list"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    standin.push_fault(
        1,
        Fault {
            http_status: 400,
            code: Some(368),
            message: Some("Temporarily blocked for policies violations".into()),
        },
    );
    match send().await {
        SendOutcome::Rejected { code, reason } => {
            assert_eq!(code, "368", "unknown codes are kept");
            assert!(
                reason.starts_with("Temporarily blocked for policies violations"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }

    standin.fail_next_http(1, 500);
    assert!(matches!(
        send().await,
        SendOutcome::Retry { after: None, .. }
    ));
    standin.fail_next_http(1, 429);
    assert!(matches!(send().await, SendOutcome::Retry { .. }));
    standin.fail_next(1, 2, 503);
    assert!(matches!(send().await, SendOutcome::Retry { .. }));

    // Faults used up: the next one goes through.
    wamid(send().await);
}

/// 131026: the recipient is not on WhatsApp.
#[tokio::test]
async fn recipient_not_on_whatsapp_is_rejected() {
    let standin = standin(StandinConfig::default()).await;
    standin.not_on_whatsapp(&[TO]);
    match api(&standin).send(&number(0), &text(1, "hi")).await {
        SendOutcome::Rejected { code, reason } => {
            assert_eq!(code, "131026");
            assert!(reason.contains("Message Undeliverable"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

/// A wrong token is Meta's 401 with code 190: refused, not retried.
#[tokio::test]
async fn bad_token_is_rejected_with_190() {
    let standin = standin(StandinConfig::default()).await;
    let wrong = CloudNumber {
        access_token: "EAAG-wrong".into(),
        ..number(0)
    };
    match api(&standin).send(&wrong, &text(1, "hi")).await {
        SendOutcome::Rejected { code, reason } => {
            assert_eq!(code, "190");
            assert!(reason.contains("access token"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(standin.requests()[0].status, 401);
}

/// A dead endpoint and a slow one are transport failures: retried.
#[tokio::test]
async fn unreachable_and_slow_graph_retry() {
    install_tls();
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let api = CloudApi::new(CloudConfig {
        base_url: dead,
        api_version: "v21.0".into(),
        timeout: Duration::from_secs(2),
    })
    .unwrap();
    assert!(matches!(api.send(&number(0), &text(1, "hi")).await,
        SendOutcome::Retry { ref reason, .. } if reason.contains("unreachable")));

    let slow = axum::Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        "late"
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, slow).await.unwrap() });
    let api = CloudApi::new(CloudConfig {
        base_url: base,
        api_version: "v21.0".into(),
        timeout: Duration::from_millis(300),
    })
    .unwrap();
    let outcome = api.send(&number(0), &text(1, "hi")).await;
    assert!(
        matches!(outcome, SendOutcome::Retry { ref reason, .. } if reason.contains("timed out")),
        "{outcome:?}"
    );
}

/// Bad configuration is an error, not a panic.
#[test]
fn bad_config_is_refused() {
    install_tls();
    let bad = |base: &str, version: &str| {
        CloudApi::new(CloudConfig {
            base_url: base.into(),
            api_version: version.into(),
            ..CloudConfig::default()
        })
        .err()
        .map(|e| e.to_string())
    };
    assert!(
        bad("graph.facebook.com", "v21.0")
            .unwrap()
            .contains("base URL")
    );
    assert!(
        bad("ftp://graph.facebook.com", "v21.0")
            .unwrap()
            .contains("http")
    );
    assert!(
        bad("https://graph.facebook.com", "v21.0/x")
            .unwrap()
            .contains("version")
    );
    assert!(bad("https://graph.facebook.com", "v21.0").is_none());
    let d = CloudConfig::default();
    assert_eq!(
        (d.base_url.as_str(), d.api_version.as_str(), d.timeout),
        (
            "https://graph.facebook.com",
            "v21.0",
            Duration::from_secs(10)
        )
    );
}

/// 60 concurrent sends from a 50/s number take at least ~1.2 s, and no second of the
/// stand-in's clock sees more than 51 of them; another number is not held back.
#[tokio::test]
async fn rate_limit_holds_a_number_to_its_rate() {
    let standin = standin(StandinConfig::default()).await;
    let api = std::sync::Arc::new(api(&standin));
    let start = Instant::now();
    let sends = (0..60).map(|i| {
        let api = api.clone();
        tokio::spawn(async move { api.send(&number(50), &text(i, "rate")).await })
    });
    let other = CloudNumber {
        phone_number_id: OTHER_ID.into(),
        access_token: OTHER_TOKEN.into(),
        messages_per_second: 1000,
    };
    let other_start = Instant::now();
    for i in 0..20 {
        wamid(api.send(&other, &text(100 + i, "fast")).await);
    }
    assert!(
        other_start.elapsed() < Duration::from_millis(800),
        "the other number waited"
    );
    for s in futures::future::join_all(sends).await {
        wamid(s.unwrap());
    }
    assert!(
        start.elapsed() >= Duration::from_millis(1150),
        "{:?}",
        start.elapsed()
    );
    let times: Vec<Instant> = standin
        .requests()
        .into_iter()
        .filter(|r| r.phone_number_id == ID)
        .map(|r| r.at)
        .collect();
    assert_eq!(times.len(), 60);
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..]
            .iter()
            .take_while(|u| **u < *t + Duration::from_secs(1))
            .count();
        assert!(in_window <= 51, "{in_window} requests within one second");
    }
}

/// After 130429 the number pauses and runs at half its rate for a while.
#[tokio::test]
async fn throughput_error_slows_the_number_down() {
    let standin = standin(StandinConfig::default()).await;
    let api = api(&standin);
    standin.fail_next(1, 130429, 400);
    assert!(matches!(
        api.send(&number(100), &text(0, "x")).await,
        SendOutcome::Retry { .. }
    ));
    let start = Instant::now();
    for i in 1..=10 {
        wamid(api.send(&number(100), &text(i, "x")).await);
    }
    // Unthrottled: ~90 ms; paused 100 ms then 50/s: ≥ 280 ms.
    assert!(
        start.elapsed() >= Duration::from_millis(270),
        "{:?}",
        start.elapsed()
    );
}

/// Many concurrent sends over one pooled client: every one accepted, every wamid unique.
#[tokio::test]
async fn concurrent_sends_share_one_pool() {
    let standin = standin(StandinConfig::default()).await;
    let api = std::sync::Arc::new(api(&standin));
    let sends = (0..400).map(|i| {
        let api = api.clone();
        tokio::spawn(async move { api.send(&number(0), &text(i, "bulk")).await })
    });
    let mut ids = std::collections::HashSet::new();
    for s in futures::future::join_all(sends).await {
        assert!(ids.insert(wamid(s.unwrap())));
    }
    assert_eq!(standin.stats().accepted, 400);
}

/// The access token never shows in Debug output.
#[test]
fn token_is_not_in_debug_output() {
    let n = number(80);
    let debug = format!("{n:?} {n:#?}");
    assert!(!debug.contains(TOKEN), "{debug}");
    assert!(debug.contains(ID) && debug.contains("redacted"), "{debug}");
}
