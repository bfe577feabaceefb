//! The tool's own ceilings, measured by short self-blasts before a run on the same
//! machine: how many callbacks/s the receiver takes, and how many messages/s the load
//! generator can put out against a server that answers without doing anything, and how
//! many Cloud API calls/s the Graph API stand-in takes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;

use crate::child::own_cpu;
use crate::load::{Load, number};
use crate::receiver;
use crate::setup::{ACCESS_TOKEN, CloudNumber, quiet_standin};

/// Callbacks/s the receiver takes from `concurrency` senders (bote's callback worker uses
/// 64), posting `count` websms delivery reports.
pub async fn receiver(count: u64, concurrency: usize) -> anyhow::Result<f64> {
    let (received, addr) = receiver::start().await?;
    let url = format!("http://{addr}/callback");
    let http = reqwest::Client::new();
    let started = Instant::now();
    blast(count, concurrency, move |i| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let body = serde_json::json!({
                "messageType": "deliveryReport",
                "notificationId": format!("{i:020x}"),
                "transferId": format!("{:020x}", i / 1000),
                "senderAddress": number(i),
                "deliveryReportMessageStatus": "delivered",
                "sentOn": "2026-11-26T02:00:00.000+00:00",
                "deliveredOn": "2026-11-26T02:00:00.000+00:00",
                "deliveredAs": "sms",
                "clientMessageId": null,
            });
            http.post(&url)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/json;charset=UTF-8",
                )
                .body(serde_json::to_vec(&body)?)
                .send()
                .await?
                .error_for_status()?;
            Ok(())
        }
    })
    .await?;
    let secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        received.unique() == count,
        "receiver self-blast: {} of {count} counted",
        received.unique()
    );
    Ok(count as f64 / secs)
}

/// Messages/s the generator puts out: `requests` requests against a stub that reads each
/// body and answers a fixed websms success.
pub async fn generator(
    requests: u64,
    per_request: usize,
    concurrency: usize,
) -> anyhow::Result<f64> {
    let answer = format!(
        "{{\"statusCode\":2000,\"statusMessage\":\"OK\",\"transferId\":\"00000000000000000001\",\"smsCount\":{per_request}}}"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = Router::new().route(
        "/rest/smsmessaging/text",
        post(move |body: Bytes| {
            let answer = answer.clone();
            async move {
                std::hint::black_box(body.len());
                ([("content-type", "application/json")], answer)
            }
        }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let load = Load {
        url: format!("http://{addr}/rest/smsmessaging/text"),
        token: "stub".into(),
        requests,
        per_request,
        concurrency,
        callback_url: "http://127.0.0.1:9/callback".into(),
    };
    let result = load.run(Arc::new(AtomicU64::new(0))).await?;
    server.abort();
    anyhow::ensure!(
        result.errors.is_empty(),
        "generator self-blast: {:?}",
        result.errors.first()
    );
    let secs = (result.finished - result.started).as_secs_f64();
    Ok((requests * per_request as u64) as f64 / secs)
}

/// What the Graph API stand-in costs: `count` template sends from `concurrency` callers in
/// this process, against a stand-in of its own (one number, no status webhooks). Returns
/// calls/s and this process's CPU per call (the stand-in and its caller together, about
/// what bote's Cloud API client adds on its side).
pub async fn graph_standin(count: u64, concurrency: usize) -> anyhow::Result<(f64, Duration)> {
    let number = CloudNumber {
        number: "+43800900000".into(),
        phone_number_id: "106540352299999".into(),
        rate: None,
    };
    let standin = quiet_standin(&number).await?;
    let url = format!(
        "{}/v21.0/{}/messages",
        standin.base_url(),
        number.phone_number_id
    );
    let http = reqwest::Client::new();
    let (started, cpu_before) = (Instant::now(), own_cpu());
    blast(count, concurrency, move |i| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let body = serde_json::json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": format!("+43699{i:08}"),
                "type": "template",
                "template": {"name": "weekly_offers", "language": {"code": "de"}},
            });
            http.post(&url)
                .bearer_auth(ACCESS_TOKEN)
                .json(&body)
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            Ok(())
        }
    })
    .await?;
    let secs = started.elapsed().as_secs_f64();
    let cpu = own_cpu().zip(cpu_before).map(|(a, b)| a - b);
    let accepted = standin.stats().accepted;
    anyhow::ensure!(
        accepted == count,
        "stand-in self-blast: {accepted} of {count} accepted"
    );
    let per_call = cpu.map_or(Duration::ZERO, |c| c / count as u32);
    Ok((count as f64 / secs, per_call))
}

/// Calls `call(i)` for each `i` below `count`, `concurrency` at a time, in tasks of this
/// runtime; the first error ends it.
async fn blast<F, Fut>(count: u64, concurrency: usize, call: F) -> anyhow::Result<()>
where
    F: Fn(u64) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (next, call) = (next.clone(), call.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return anyhow::Ok(());
                }
                call(i).await?;
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(())
}
