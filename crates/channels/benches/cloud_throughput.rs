//! Cloud API client throughput against the Graph API stand-in, both in this process on
//! the same cores (so the figure is a floor for either alone). Prints figures only.
//!
//! `cargo bench -p bote-channels --bench cloud_throughput` (CLOUD_BENCH_N messages,
//! default 20,000; CLOUD_BENCH_TASKS concurrent sends, default 64). Two runs: through
//! `CloudApi::send` (unlimited rate) and raw POSTs of a ready body, to show the client's
//! own cost.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bote_channels::whatsapp_cloud::{CloudApi, CloudConfig, CloudNumber};
use bote_channels::{OutboundWhatsapp, SendOutcome, WhatsappContent};
use bote_domain::PhoneNumber;
use bote_graph_standin::{GraphStandin, StandinConfig};
use futures::StreamExt;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let n = env("CLOUD_BENCH_N", 20_000);
    let tasks = env("CLOUD_BENCH_TASKS", 64);
    let standin = GraphStandin::start(StandinConfig {
        numbers: vec![
            "1065403522:bench-token:secret:+43800100100"
                .parse()
                .unwrap(),
        ],
        record_requests: false,
        ..StandinConfig::default()
    })
    .await?;
    let api = Arc::new(CloudApi::new(CloudConfig {
        base_url: standin.base_url(),
        api_version: "v21.0".into(),
        timeout: Duration::from_secs(10),
    })?);
    let from = CloudNumber {
        phone_number_id: "1065403522".into(),
        access_token: "bench-token".into(),
        messages_per_second: 0,
    };
    let message = Arc::new(OutboundWhatsapp {
        message_id: 1,
        to: PhoneNumber::from_e164_unchecked("+4367612345678"),
        from: None,
        content: WhatsappContent::Text {
            body: "Benchmark 👋".into(),
        },
    });

    let start = Instant::now();
    let accepted = futures::stream::iter(0..n)
        .map(|_| {
            let (api, from, message) = (api.clone(), from.clone(), message.clone());
            async move { api.send(&from, &message).await }
        })
        .buffer_unordered(tasks)
        .filter(|o| futures::future::ready(matches!(o, SendOutcome::Accepted { .. })))
        .count()
        .await;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "CloudApi::send   {n} messages, {tasks} concurrent: {:.0} msg/s ({accepted} accepted, {:.2} s)",
        n as f64 / secs,
        secs
    );

    let http = reqwest::Client::new();
    let url = format!("{}/v21.0/1065403522/messages", standin.base_url());
    let body = r#"{"messaging_product":"whatsapp","recipient_type":"individual","to":"4367612345678","type":"text","text":{"body":"Benchmark","preview_url":false}}"#;
    let start = Instant::now();
    let ok = futures::stream::iter(0..n)
        .map(|_| {
            let req = http
                .post(&url)
                .bearer_auth("bench-token")
                .header("Content-Type", "application/json")
                .body(body);
            async move {
                match req.send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                }
            }
        })
        .buffer_unordered(tasks)
        .filter(|ok| futures::future::ready(*ok))
        .count()
        .await;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "raw POST         {n} requests, {tasks} concurrent: {:.0} req/s ({ok} ok, {:.2} s)",
        n as f64 / secs,
        secs
    );
    println!("stand-in stats: {:?}", standin.stats());
    Ok(())
}
