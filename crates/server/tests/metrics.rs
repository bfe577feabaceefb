//! `/metrics`: Prometheus text for operators, readable by account managers only, with the
//! figures of what actually happened (issue 7: messages by channel and status, backlog,
//! callbacks, request latency). One test in this binary: the recorder is per process.

mod support;

use bote_domain::{TokenScope, UserRole};
use reqwest::Method;
use serde_json::json;
use support::{Backend, eventually, spawn_app};

/// The value of the sample `name{labels}` (labels as Prometheus prints them, sorted), if any.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_what_happened_and_only_managers_read_them() {
    let app = spawn_app(Backend::Sqlite).await;
    app.user("ops", "ops-password-1", UserRole::AccountManager)
        .await;
    let url = app.url("/metrics");

    let anonymous = app.client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let tenant = app.token_for(TokenScope::Full).await;
    let business = app
        .req_as(&tenant, Method::GET, "/metrics")
        .send()
        .await
        .unwrap();
    assert_eq!(business.status(), 403, "the figures span every account");

    let (status, body) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "sms", "text": "Hallo", "to": {"numbers": ["+436761111111", "+436762222222", "nonsense"]}}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let send = body["id"].as_i64().expect("send id");
    eventually(10, "both messages delivered", || async {
        let (_, s) = app.get_json(&format!("/api/v1/sends/{send}")).await;
        (s["counts"]["delivered"] == 2).then_some(())
    })
    .await;

    let scrape = || async {
        let r = app
            .client
            .get(&url)
            .basic_auth("ops", Some("ops-password-1"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        r.text().await.unwrap()
    };
    let text = scrape().await;
    assert_eq!(
        sample(&text, r#"bote_messages_accepted_total{channel="sms"}"#),
        Some(2.0),
        "the invalid number is skipped, not accepted:\n{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"bote_dispatch_outcomes_total{channel="sms",outcome="sent"}"#
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"bote_delivery_reports_total{status="delivered"}"#),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "bote_messages_unfinished"),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "bote_inbound_unprocessed"),
        Some(0.0),
        "nothing received, nothing waiting:\n{text}"
    );
    let latency = r#"bote_http_request_duration_seconds_count{method="POST",route="/api/v1/sends",status="2xx"}"#;
    assert_eq!(sample(&text, latency), Some(1.0), "{text}");
    assert!(
        text.contains("# HELP bote_callbacks_total") || !text.contains("bote_callbacks_total{"),
        "described metrics carry their help text"
    );
    assert!(
        text.contains("# HELP bote_messages_accepted_total"),
        "{text}"
    );
}
