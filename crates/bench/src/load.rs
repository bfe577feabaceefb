//! The load generator: concurrent websms text requests of `per_request` distinct recipients
//! each; records each request's latency until bote's answer (acceptance latency).

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Deserialize;

/// Mobile prefixes (Austria) the numbers are spread over, ten million numbers each.
const PREFIXES: [&str; 5] = ["676", "664", "699", "650", "660"];
pub const MAX_MESSAGES: u64 = PREFIXES.len() as u64 * 10_000_000;

/// The `i`-th benchmark number, as websms clients write it: digits with country code.
pub fn number(i: u64) -> String {
    format!(
        "43{}{:07}",
        PREFIXES[(i / 10_000_000) as usize],
        i % 10_000_000
    )
}

/// The body of request `req`: recipients `req * per_request ..`.
pub fn body(req: u64, per_request: usize, callback_url: &str) -> String {
    let mut s = String::with_capacity(per_request * 16 + 200);
    s.push_str("{\"recipientAddressList\":[");
    for k in 0..per_request as u64 {
        if k > 0 {
            s.push(',');
        }
        let _ = write!(s, "\"{}\"", number(req * per_request as u64 + k));
    }
    let _ = write!(
        s,
        "],\"messageContent\":\"bote e2e benchmark, request {req}\",\
         \"notificationCallbackUrl\":\"{callback_url}\",\"clientMessageId\":\"bench-{req}\"}}"
    );
    s
}

pub struct Load {
    /// `POST` target, e.g. `http://127.0.0.1:8080/rest/smsmessaging/text`.
    pub url: String,
    pub token: String,
    pub requests: u64,
    pub per_request: usize,
    pub concurrency: usize,
    pub callback_url: String,
}

pub struct LoadResult {
    pub started: Instant,
    pub finished: Instant,
    /// Per answered request, in no particular order.
    pub latencies: Vec<Duration>,
    /// `transferId` and accepted messages (`smsCount`) of each accepted request.
    pub accepted: Vec<(String, u64)>,
    pub errors: Vec<String>,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "statusCode")]
    status_code: u32,
    #[serde(rename = "statusMessage", default)]
    status_message: String,
    #[serde(rename = "transferId")]
    transfer_id: Option<String>,
    #[serde(rename = "smsCount")]
    sms_count: Option<u64>,
}

impl Load {
    /// Runs the load; `progress` counts accepted messages as answers come in.
    pub async fn run(self, progress: Arc<AtomicU64>) -> anyhow::Result<LoadResult> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(self.concurrency)
            .timeout(Duration::from_secs(120))
            .build()?;
        let this = Arc::new(self);
        let next = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..this.concurrency {
            let (this, next, http, progress) =
                (this.clone(), next.clone(), http.clone(), progress.clone());
            tasks.push(tokio::spawn(async move {
                let mut mine = (Vec::new(), Vec::new(), Vec::new());
                loop {
                    let req = next.fetch_add(1, Ordering::Relaxed);
                    if req >= this.requests {
                        break;
                    }
                    let body = body(req, this.per_request, &this.callback_url);
                    let t = Instant::now();
                    let answer = this.post(&http, body).await;
                    mine.0.push(t.elapsed());
                    match answer {
                        Ok(a) if a.status_code == 2000 => {
                            let n = a.sms_count.unwrap_or(0);
                            progress.fetch_add(n, Ordering::Relaxed);
                            mine.1.push((a.transfer_id.unwrap_or_default(), n));
                        }
                        Ok(a) => mine.2.push(format!(
                            "request {req}: {} {}",
                            a.status_code, a.status_message
                        )),
                        Err(e) => mine.2.push(format!("request {req}: {e:#}")),
                    }
                }
                mine
            }));
        }
        let mut result = LoadResult {
            started,
            finished: started,
            latencies: Vec::new(),
            accepted: Vec::new(),
            errors: Vec::new(),
        };
        for task in tasks {
            let (lat, acc, err) = task.await?;
            result.latencies.extend(lat);
            result.accepted.extend(acc);
            result.errors.extend(err);
        }
        result.finished = Instant::now();
        Ok(result)
    }

    async fn post(&self, http: &reqwest::Client, body: String) -> anyhow::Result<Answer> {
        let response = http
            .post(&self.url)
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        serde_json::from_slice(&bytes)
            .with_context(|| format!("HTTP {status}: {}", String::from_utf8_lossy(&bytes)))
    }
}

/// The `q`-quantile of sorted durations (nearest rank).
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}
