//! Inbound WhatsApp at scale: signed webhook deliveries, as Meta sends them, to
//! `POST /webhooks/whatsapp/{phone_number_id}` of a running `bote serve`. bote answers 200
//! once each message is stored with its durable "unprocessed" mark, as Meta asks; the
//! consent pipeline (keywords R10–R12, first-message opt-in R7 with its contact, R9) works
//! through them behind. Both are timed: until the last answer, and until bote's inbound
//! backlog (`bote_inbound_unprocessed` at `/metrics`) is empty; the rate reported is the
//! second. Every sender is a new number; a share of the texts are keywords (`START NEWS`,
//! `STOP`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use futures::StreamExt;
use serde_json::{Value, json};

use crate::child::{Bote, CpuUse, Database, free_port, secs};
use crate::e2e::Backend;
use crate::load::quantile;

use crate::setup::{self, APP_SECRET, CloudNumber};

const PHONE_NUMBER_ID: &str = "106540352240001";
const BUSINESS_NUMBER: &str = "+43800900900";
/// The benchmark's account manager, who reads `/metrics`.
const MANAGER_PASSWORD: &str = "bench-manager-password";

#[derive(Debug, Args)]
pub struct WebhookArgs {
    /// The bote binary to run.
    #[arg(long, default_value = "target/release/bote")]
    bote: PathBuf,
    #[arg(long, value_enum)]
    database: Backend,
    /// Inbound messages in all (a multiple of --per-delivery).
    #[arg(long, default_value_t = 50_000)]
    messages: u64,
    /// Messages per webhook delivery (Meta batches several into one POST under load).
    #[arg(long, default_value_t = 1)]
    per_delivery: u64,
    /// Deliveries in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Every Nth message is a keyword (alternately `START NEWS` and `STOP`); the rest are
    /// plain texts, each a first message and so an opt-in (R7).
    #[arg(long, default_value_t = 10)]
    keyword_every: u64,
    /// PostgreSQL server to create the benchmark database on.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_url: String,
}

/// Whether message `i` is a keyword: `Some(true)` for `START NEWS`, `Some(false)` for
/// `STOP` (alternating), `None` for a plain text.
fn keyword(i: u64, keyword_every: u64) -> Option<bool> {
    (keyword_every > 0 && i.is_multiple_of(keyword_every))
        .then(|| (i / keyword_every).is_multiple_of(2))
}

/// The opt-ins the messages give: every sender is new, so all but those whose only
/// message is `STOP`.
fn expected_opt_ins(messages: u64, keyword_every: u64) -> u64 {
    (0..messages)
        .filter(|&i| keyword(i, keyword_every) != Some(false))
        .count() as u64
}

fn delivery(first: u64, count: u64, keyword_every: u64) -> String {
    // Written now, as Meta's timestamps say: the sender's 24-hour window is open, so bote's
    // replies go out (with an old timestamp they failed at dispatch, outside the window).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let messages: Vec<Value> = (first..first + count)
        .map(|i| {
            let text = match keyword(i, keyword_every) {
                Some(true) => "START NEWS".to_owned(),
                Some(false) => "STOP".to_owned(),
                None => format!("Hallo, ich hätte gern einen Termin ({i})"),
            };
            json!({
                "from": format!("43699{i:08}"),
                "id": format!("wamid.bench{i:012}"),
                "timestamp": now.to_string(),
                "type": "text",
                "text": {"body": text}
            })
        })
        .collect();
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "43800900900", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [],
            "messages": messages
        }}]}]
    })
    .to_string()
}

pub async fn run(args: WebhookArgs) -> anyhow::Result<bool> {
    if args.per_delivery == 0 || !args.messages.is_multiple_of(args.per_delivery) {
        bail!("--messages must be a multiple of --per-delivery");
    }
    let dir = tempfile::tempdir()?;
    let db = match args.database {
        Backend::Sqlite => Database::sqlite(dir.path()),
        Backend::Postgres => Database::postgres(&args.postgres_url)?,
    };
    // The confirmation replies bote sends go to a Graph API stand-in in this process, as
    // they would go to Meta; without it they went to the real Graph API address, which is
    // unreachable here, and were retried during the run.
    let number = CloudNumber {
        number: BUSINESS_NUMBER.into(),
        phone_number_id: PHONE_NUMBER_ID.into(),
        rate: None,
    };
    let standin = setup::quiet_standin(&number).await?;
    let config = dir.path().join("bote.toml");
    std::fs::write(
        &config,
        format!(
            "api_requests_per_second = 0\nwhatsapp_api_base = \"{}\"\n[packages]\nlarge_cap = {}\n",
            standin.base_url(),
            args.messages * 2
        ),
    )?;
    let bote = Bote {
        bin: args.bote.clone(),
        config,
        database_url: db.url().to_owned(),
        env: Vec::new(),
    };
    let token = setup::whatsapp_account(&bote, &[number])?;
    bote.cli(&[
        "user",
        "add",
        "--account-manager",
        "--username",
        "bench-manager",
        "--password",
        MANAGER_PASSWORD,
    ])?;
    let http = reqwest::Client::new();
    let mut server = bote.serve(free_port()?, &dir.path().join("bote.log"))?;
    server.wait_healthy(&http).await?;
    let created = http
        .post(format!("{}/api/v1/groups", server.base))
        .bearer_auth(&token)
        .json(&json!({"code": "NEWS"}))
        .send()
        .await?;
    if !created.status().is_success() {
        bail!("creating the group NEWS: {}", created.text().await?);
    }

    let url = format!("{}/webhooks/whatsapp/{PHONE_NUMBER_ID}", server.base);
    let deliveries = args.messages / args.per_delivery;
    let errors = Arc::new(AtomicU64::new(0));
    let load_before = crate::e2e::loadavg();
    let cpu_before = CpuUse::read(&server);
    let started = Instant::now();
    let mut latencies: Vec<Duration> = futures::stream::iter(0..deliveries)
        .map(|d| {
            let (http, url, errors) = (http.clone(), url.clone(), errors.clone());
            async move {
                let body = delivery(d * args.per_delivery, args.per_delivery, args.keyword_every);
                let signature = bote_graph_standin::sign(APP_SECRET.as_bytes(), body.as_bytes());
                let sent = Instant::now();
                let answer = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("x-hub-signature-256", signature)
                    .body(body)
                    .send()
                    .await;
                match answer {
                    Ok(r) if r.status() == 200 => {}
                    Ok(r) => {
                        if errors.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!(
                                "delivery {d}: {} {}",
                                r.status(),
                                r.text().await.unwrap_or_default()
                            );
                        }
                    }
                    Err(e) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        eprintln!("delivery {d}: {e}");
                    }
                }
                sent.elapsed()
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    let answered = started.elapsed();
    // Answered means stored; processing ends when the backlog is empty (at most 60 s).
    let backlog_at_answer = unprocessed(&http, &server.base).await?;
    let mut backlog = backlog_at_answer;
    while backlog > 0 && started.elapsed() < answered + Duration::from_secs(60) {
        // Each look is a scrape of /metrics, which counts the outbox too: not too often.
        tokio::time::sleep(Duration::from_millis(50)).await;
        backlog = unprocessed(&http, &server.base).await?;
    }
    let elapsed = started.elapsed();
    let used = CpuUse::since(cpu_before, &server);
    let load_after = crate::e2e::loadavg();
    latencies.sort_unstable();

    let expected = expected_opt_ins(args.messages, args.keyword_every);
    let opt_ins = count_pages(&http, &server.base, &token, "optins").await?;
    let stored = count_pages(&http, &server.base, &token, "inbound").await?;
    let peak = server.peak_rss_kib();
    server.stop();
    crate::child::look_at_log(&dir.path().join("bote.log"))?;
    db.drop_database()?;

    let errors = errors.load(Ordering::Relaxed);
    println!(
        "webhook ingest, {}: {} messages in {deliveries} deliveries of {} ({} in flight), every {}th a keyword",
        db.backend(),
        args.messages,
        args.per_delivery,
        args.concurrency,
        args.keyword_every
    );
    println!(
        "  processed: {:.0} messages/s over {:.2} s (to an empty backlog{})",
        args.messages as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
        if backlog > 0 {
            format!(", NOT reached: {backlog} left after 60 s")
        } else {
            String::new()
        }
    );
    println!(
        "  stored and answered: {:.0} messages/s ({:.0} deliveries/s) over {:.2} s, {backlog_at_answer} unprocessed at the last answer; answer latency p50 {:.1} ms, p99 {:.1} ms",
        args.messages as f64 / answered.as_secs_f64(),
        deliveries as f64 / answered.as_secs_f64(),
        answered.as_secs_f64(),
        quantile(&latencies, 0.5).as_secs_f64() * 1e3,
        quantile(&latencies, 0.99).as_secs_f64() * 1e3,
    );
    println!(
        "  stored inbound messages: {stored} of {}; refused deliveries: {errors}; bote peak RSS {} MB, CPU {}",
        args.messages,
        peak.map_or("?".to_owned(), |k| (k / 1024).to_string()),
        secs(used.bote),
    );
    println!("  opt-ins: {opt_ins} of {expected} expected");
    let replies = standin.stats();
    println!(
        "  replies at the Graph API stand-in by the end: {} accepted, {} refused",
        replies.accepted, replies.refused
    );
    println!("{}", used.line(elapsed, "load, signing, Graph stand-in"));
    println!("  load average before: {load_before}; after: {load_after}");
    println!(
        "RESULT\twebhooks {}\t{:.0}\t{:.1}\t{}\t{stored}",
        db.backend(),
        args.messages as f64 / elapsed.as_secs_f64(),
        quantile(&latencies, 0.99).as_secs_f64() * 1e3,
        peak.map_or(0, |k| k / 1024),
    );
    Ok(errors == 0 && stored == args.messages && opt_ins == expected && backlog == 0)
}

/// bote's inbound backlog, `bote_inbound_unprocessed` from `/metrics`.
async fn unprocessed(http: &reqwest::Client, base: &str) -> anyhow::Result<u64> {
    let text = http
        .get(format!("{base}/metrics"))
        .basic_auth("bench-manager", Some(MANAGER_PASSWORD))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let value = text
        .lines()
        .find_map(|l| l.strip_prefix("bote_inbound_unprocessed "))
        .context("no bote_inbound_unprocessed at /metrics")?;
    Ok(value.trim().parse::<f64>()? as u64)
}

/// Items of an account's list (`inbound` messages, `optins`), paging through
/// `GET /api/v1/{list}`.
async fn count_pages(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    list: &str,
) -> anyhow::Result<u64> {
    let (mut count, mut cursor) = (0u64, None::<String>);
    loop {
        let url = match &cursor {
            Some(c) => format!("{base}/api/v1/{list}?limit=1000&cursor={c}"),
            None => format!("{base}/api/v1/{list}?limit=1000"),
        };
        let request = http.get(url).bearer_auth(token);
        let page: Value = request.send().await?.json().await.context("a page")?;
        count += page["data"].as_array().map_or(0, |d| d.len() as u64);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return Ok(count),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_alternate_between_start_and_stop() {
        let kinds: Vec<_> = (0..40).map(|i| keyword(i, 10)).collect();
        assert_eq!(kinds[0], Some(true));
        assert_eq!(kinds[10], Some(false));
        assert_eq!(kinds[20], Some(true));
        assert_eq!(kinds[5], None);
        assert_eq!(expected_opt_ins(40, 10), 38);
        assert_eq!(expected_opt_ins(40, 0), 40);
    }
}
