//! `bote-bench e2e`: websms requests → sandbox channel → final status → callback received,
//! against a real `bote serve` on SQLite or PostgreSQL; then checks that every message is
//! final in bote's store and prints the figures.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use serde::Deserialize;

use crate::child::{Bote, Database, cpu_ticks, free_port};
use crate::load::{Load, LoadResult, MAX_MESSAGES, quantile};
use crate::{ceilings, receiver, smsc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SmscKind {
    Sandbox,
    Node,
    Url,
}

#[derive(Debug, Args)]
pub struct E2eArgs {
    /// The bote binary to run.
    #[arg(long, default_value = "target/release/bote")]
    bote: PathBuf,
    #[arg(long, value_enum)]
    database: Backend,
    /// Messages in all (a multiple of --per-request).
    #[arg(long, default_value_t = 50_000)]
    messages: u64,
    /// Recipients per websms request (websms allows at most 1,000).
    #[arg(long, default_value_t = 1_000)]
    per_request: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// PostgreSQL server to create the benchmark database on (any database of it).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_url: String,
    /// The sandbox channel's delay before delivery reports.
    #[arg(long, default_value_t = 0)]
    delivery_delay_ms: u64,
    /// Extra environment for every bote command, KEY=VALUE (repeatable), e.g. BOTE_LOG=debug.
    #[arg(long = "bote-env", value_name = "KEY=VALUE", value_parser = key_value)]
    bote_env: Vec<(String, String)>,
    /// Longest wait, after the last request was answered, for the remaining callbacks.
    #[arg(long, default_value_t = 600)]
    timeout_secs: u64,
    /// Seconds between progress lines on stderr.
    #[arg(long, default_value_t = 5)]
    progress_secs: u64,
    /// Also sum bote's message counts by status in each progress line (`GET /api/v1/sends`;
    /// adds load), to see which stage lags: accept, dispatch, receipts or callbacks.
    #[arg(long)]
    watch_stages: bool,
    /// Skip measuring the receiver's and the generator's own ceilings.
    #[arg(long)]
    skip_ceilings: bool,
    /// SMS channel: `sandbox` (bote's sandbox), `node` (start node-smpp test SMSCs and
    /// bind bote to them), or `url` (an SMSC already running: --smpp-url).
    #[arg(long, value_enum, default_value = "sandbox")]
    smsc: SmscKind,
    /// Test SMSC processes with --smsc node (with several, requests are spread over them
    /// by route prefixes; --per-request must then be 1,000).
    #[arg(long, default_value_t = 1)]
    smsc_procs: usize,
    /// bote's SMPP window (outstanding submit_sm) per connection with --smsc node.
    #[arg(long, default_value_t = 256)]
    smsc_window: usize,
    /// The test SMSC script.
    #[arg(long, default_value = "crates/channels/tests/smsc/smsc.js")]
    smsc_script: PathBuf,
    /// BOTE_SMPP for --smsc url.
    #[arg(long)]
    smpp_url: Option<String>,
    /// Keep the temporary directory (config, bote's log, SQLite file) and print its path.
    #[arg(long)]
    keep: bool,
}

fn key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("'{s}' is not KEY=VALUE"))
}

/// Figures of one run.
struct Figures {
    load: LoadResult,
    last_callback: Option<Instant>,
    received: u64,
    duplicates: u64,
    not_delivered: u64,
    bad: u64,
    store_final: u64,
    store_delivered: u64,
    store_total: u64,
    peak_rss_kib: Option<u64>,
    cpu: Option<Duration>,
    /// CPU ticks of the test SMSCs from the first request to the last callback.
    smsc_ticks: Option<u64>,
}

pub async fn run(args: E2eArgs) -> anyhow::Result<bool> {
    if args.per_request == 0 || !args.messages.is_multiple_of(args.per_request as u64) {
        bail!("--messages must be a multiple of --per-request");
    }
    if args.messages > MAX_MESSAGES {
        bail!("--messages: at most {MAX_MESSAGES}");
    }
    if !args.bote.is_file() {
        bail!(
            "{} is not a file; build it: cargo build --release -p bote",
            args.bote.display()
        );
    }
    let requests = args.messages / args.per_request as u64;
    let load_before = loadavg();

    let (recv_ceiling, gen_ceiling) = if args.skip_ceilings {
        (None, None)
    } else {
        let r = ceilings::receiver(20_000, 64)
            .await
            .context("receiver ceiling")?;
        let g = ceilings::generator(requests.min(50), args.per_request, args.concurrency)
            .await
            .context("generator ceiling")?;
        (Some(r), Some(g))
    };

    let dir = tempfile::Builder::new().prefix("bote-bench-").tempdir()?;
    let db = match args.database {
        Backend::Sqlite => Database::sqlite(dir.path()),
        Backend::Postgres => Database::postgres(&args.postgres_url)?,
    };
    let smscs = match args.smsc {
        SmscKind::Node => {
            if args.smsc_procs > 1 && args.per_request != 1000 {
                bail!("--smsc-procs > 1 needs --per-request 1000");
            }
            Some(smsc::Smscs::start(&args.smsc_script, args.smsc_procs)?)
        }
        _ => None,
    };
    let mut args = args;
    if let Some(s) = &smscs {
        args.bote_env.push((
            "BOTE_SMPP".into(),
            s.bote_smpp(args.smsc_window, args.messages),
        ));
    } else if args.smsc == SmscKind::Url {
        let url = args
            .smpp_url
            .clone()
            .context("--smsc url needs --smpp-url")?;
        args.bote_env.push(("BOTE_SMPP".into(), url));
    }
    let args = args;
    let outcome = run_on(&args, &db, dir.path(), requests, smscs.as_ref()).await;
    drop(smscs);
    if let Err(e) = db.drop_database() {
        eprintln!("warning: dropping the benchmark database: {e:#}");
    }
    if args.keep {
        eprintln!("kept {}", dir.keep().display());
    }
    let figures = outcome?;

    let load_after = loadavg();
    print(
        &args,
        db.backend(),
        requests,
        &figures,
        recv_ceiling,
        gen_ceiling,
    );
    println!("load average before: {load_before}; after: {load_after}");
    let ok = figures.load.errors.is_empty()
        && figures.received == args.messages
        && figures.store_final == args.messages
        && figures.store_delivered == args.messages
        && figures.not_delivered == 0
        && figures.bad == 0;
    if !ok {
        println!("NOT COMPLETE: see the counts above");
    }
    Ok(ok)
}

async fn run_on(
    args: &E2eArgs,
    db: &Database,
    dir: &std::path::Path,
    requests: u64,
    smscs: Option<&smsc::Smscs>,
) -> anyhow::Result<Figures> {
    let config = dir.join("bote.toml");
    // The sandbox keys are read from the file: not every key is taken from BOTE_* variables.
    std::fs::write(
        &config,
        format!(
            "sandbox_delivery_delay_ms = {}\nsandbox_failure_share = 0.0\ncallback_secret = \"bote-bench-callback-secret\"\n\
             # The load generator is one account; the API's per-account limit would be the figure.\n\
             api_requests_per_second = 0\n",
            args.delivery_delay_ms
        ),
    )?;
    let bote = Bote {
        bin: args.bote.clone(),
        config,
        database_url: db.url().to_owned(),
        env: args.bote_env.clone(),
    };
    bote.cli(&["migrate"])?;
    bote.cli(&["account", "create", "--name", "bench"])?;
    let token = crate::setup::full_token(&bote)?;

    let (received, recv_addr) = receiver::start().await?;
    let http = reqwest::Client::new();
    let mut server = bote.serve(free_port()?, &dir.join("bote.log"))?;
    server.wait_healthy(&http).await?;

    if smscs.is_some() || args.smsc == SmscKind::Url {
        wait_bound(&http, &server.base, &token).await?;
    }
    let accepted = Arc::new(AtomicU64::new(0));
    let smsc_start = smscs.map(|s| s.cpu_ticks());
    let started = Instant::now();
    let monitor = tokio::spawn(progress(
        args.progress_secs,
        args.watch_stages
            .then(|| (server.base.clone(), token.clone())),
        accepted.clone(),
        received.clone(),
        server.pid(),
        started,
    ));
    let load = Load {
        url: format!("{}/rest/smsmessaging/text", server.base),
        token: token.clone(),
        requests,
        per_request: args.per_request,
        concurrency: args.concurrency,
        callback_url: format!("http://{recv_addr}/callback"),
    }
    .run(accepted.clone())
    .await?;
    let expected: u64 = load.accepted.iter().map(|(_, n)| n).sum();
    let deadline = Instant::now() + Duration::from_secs(args.timeout_secs);
    while received.unique() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    monitor.abort();
    let smsc_ticks = smscs.zip(smsc_start).map(|(s, t0)| s.cpu_ticks() - t0);
    if received.unique() < expected {
        eprintln!(
            "timeout: {} of {expected} callbacks after {} s",
            received.unique(),
            args.timeout_secs
        );
    }

    let (store_total, store_final, store_delivered) =
        durable_counts(&http, &server.base, &token, &load.accepted).await?;
    let peak_rss_kib = server.peak_rss_kib();
    let cpu = server.cpu_time();
    server.stop();
    Ok(Figures {
        last_callback: received.last(),
        received: received.unique(),
        duplicates: received.duplicates.load(Ordering::Relaxed),
        not_delivered: received.not_delivered.load(Ordering::Relaxed),
        bad: received.bad.load(Ordering::Relaxed),
        store_final,
        store_delivered,
        store_total,
        peak_rss_kib,
        cpu,
        smsc_ticks,
        load,
    })
}

#[derive(Deserialize)]
struct Channel {
    provider: String,
    state: String,
}

/// Waits until every SMPP channel in `GET /api/v1/channels` is bound (at most 30 s).
async fn wait_bound(http: &reqwest::Client, base: &str, token: &str) -> anyhow::Result<()> {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let v: serde_json::Value = http
            .get(format!("{base}/api/v1/channels"))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let list = v.get("data").cloned().unwrap_or(v);
        let channels: Vec<Channel> = serde_json::from_value(list).context("channels")?;
        let smpp: Vec<&Channel> = channels.iter().filter(|c| c.provider == "smpp").collect();
        if !smpp.is_empty() && smpp.iter().all(|c| c.state == "bound") {
            return Ok(());
        }
        if Instant::now() > until {
            bail!("SMPP channels not bound after 30 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[derive(Deserialize)]
struct SendCounts {
    counts: BTreeMap<String, u64>,
}

const FINAL: [&str; 9] = [
    "delivered",
    "read",
    "undelivered",
    "expired",
    "rejected",
    "failed",
    "skipped",
    "cancelled",
    "deleted",
];

/// Messages in all, final, and delivered, by bote's own count of each accepted send.
async fn durable_counts(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    sends: &[(String, u64)],
) -> anyhow::Result<(u64, u64, u64)> {
    let (mut total, mut fin, mut delivered) = (0, 0, 0);
    for (transfer_id, _) in sends {
        let id = i64::from_str_radix(transfer_id, 16)
            .with_context(|| format!("transferId '{transfer_id}'"))?;
        let send: SendCounts = http
            .get(format!("{base}/api/v1/sends/{id}"))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        for (status, n) in &send.counts {
            total += n;
            if FINAL.contains(&status.as_str()) {
                fin += n;
            }
            if status == "delivered" {
                delivered += n;
            }
        }
    }
    Ok((total, fin, delivered))
}

#[derive(Deserialize)]
struct SendsPage {
    data: Vec<SendCounts>,
    next_cursor: Option<String>,
}

/// bote's messages by status, summed over all sends.
async fn stage_counts(
    http: &reqwest::Client,
    base: &str,
    token: &str,
) -> anyhow::Result<BTreeMap<String, u64>> {
    let mut sums = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/sends?limit=1000");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: SendsPage = http
            .get(url)
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        for send in page.data {
            for (status, n) in send.counts {
                *sums.entry(status).or_insert(0) += n;
            }
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(sums),
        }
    }
}

/// Prints a progress line every `every` seconds: accepted messages, callbacks received,
/// bote's CPU use, and with `stages` bote's counts by status.
async fn progress(
    every: u64,
    stages: Option<(String, String)>,
    accepted: Arc<AtomicU64>,
    received: Arc<receiver::Received>,
    pid: u32,
    started: Instant,
) {
    let http = reqwest::Client::new();
    let mut last = (Instant::now(), cpu_ticks(pid).unwrap_or(0));
    loop {
        tokio::time::sleep(Duration::from_secs(every.max(1))).await;
        let now = (Instant::now(), cpu_ticks(pid).unwrap_or(0));
        let cpu = (now.1 - last.1) as f64 / 100.0 / (now.0 - last.0).as_secs_f64() * 100.0;
        last = now;
        let mut line = format!(
            "t={:>6.1}s accepted={:>8} callbacks={:>8} bote_cpu={cpu:>4.0}%",
            started.elapsed().as_secs_f64(),
            accepted.load(Ordering::Relaxed),
            received.unique(),
        );
        if let Some((base, token)) = &stages {
            match stage_counts(&http, base, token).await {
                Ok(counts) => {
                    for (status, n) in counts {
                        line.push_str(&format!(" {status}={n}"));
                    }
                }
                Err(e) => line.push_str(&format!(" (stages: {e})")),
            }
        }
        eprintln!("{line}");
    }
}

pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn per_sec(n: u64, d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs <= 0.0 {
        return "-".into();
    }
    thousands((n as f64 / secs).round() as u64)
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn ms(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1000.0)
}

fn print(
    args: &E2eArgs,
    backend: &str,
    requests: u64,
    f: &Figures,
    recv_ceiling: Option<f64>,
    gen_ceiling: Option<f64>,
) {
    let mut lat = f.load.latencies.clone();
    lat.sort();
    let accepted: u64 = f.load.accepted.iter().map(|(_, n)| n).sum();
    let accept_time = f.load.finished - f.load.started;
    let e2e_time = f
        .last_callback
        .map(|t| t.saturating_duration_since(f.load.started))
        .unwrap_or_default();
    let ceiling = |c: Option<f64>| c.map_or("-".into(), |c| thousands(c.round() as u64));
    let rss = f
        .peak_rss_kib
        .map_or("-".into(), |k| format!("{:.0} MB", k as f64 / 1024.0));
    let cpu = f
        .cpu
        .map_or("-".into(), |c| format!("{:.1} s", c.as_secs_f64()));

    println!();
    println!(
        "e2e {backend}: {} messages in {requests} requests of {}, concurrency {}, sandbox delay {} ms",
        thousands(args.messages),
        args.per_request,
        args.concurrency,
        args.delivery_delay_ms
    );
    println!(
        "  accepted {} | callbacks {} (duplicates {}, not delivered {}, bad {}) | final in store {} of {} (delivered {}) | request errors {}",
        thousands(accepted),
        thousands(f.received),
        f.duplicates,
        f.not_delivered,
        f.bad,
        thousands(f.store_final),
        thousands(f.store_total),
        thousands(f.store_delivered),
        f.load.errors.len()
    );
    for e in f.load.errors.iter().take(5) {
        println!("  error: {e}");
    }
    println!(
        "  accept phase {:.1} s, first request to last callback {:.1} s, bote CPU {cpu}",
        accept_time.as_secs_f64(),
        e2e_time.as_secs_f64()
    );
    println!();
    println!(
        "| store | messages | requests | concurrency | accept msg/s | end-to-end msg/s | p50 ms | p99 ms | max ms | bote peak RSS | receiver ceiling cb/s | generator ceiling msg/s |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    println!(
        "| {backend} | {} | {requests} | {} | {} | {} | {} | {} | {} | {rss} | {} | {} |",
        thousands(args.messages),
        args.concurrency,
        per_sec(accepted, accept_time),
        per_sec(f.received, e2e_time),
        ms(quantile(&lat, 0.5)),
        ms(quantile(&lat, 0.99)),
        ms(lat.last().copied().unwrap_or_default()),
        ceiling(recv_ceiling),
        ceiling(gen_ceiling),
    );
    let smsc = f
        .smsc_ticks
        .and_then(|t| smsc::ceiling(f.received, t).map(|c| (t, c)));
    if let Some((ticks, (per_cpu_sec, us))) = smsc {
        println!(
            "  test SMSC ({} process(es)): {:.1} s CPU over the run, {us:.0} µs per message with its receipt; ceiling {} msg per CPU second (×{} processes if each gets a core)",
            args.smsc_procs,
            ticks as f64 / 100.0,
            thousands(per_cpu_sec.round() as u64),
            args.smsc_procs
        );
    }
    // One line for bench/compare.sh.
    println!(
        "RESULT\tbote ({backend}, {})\t{}\t{}\t{}\t{}\t{}\t{}",
        match args.smsc {
            SmscKind::Sandbox => "sandbox".to_string(),
            SmscKind::Node => format!("SMPP, {} node SMSC", args.smsc_procs),
            SmscKind::Url => "SMPP".to_string(),
        },
        (f.received as f64 / e2e_time.as_secs_f64().max(1e-9)).round(),
        ms(quantile(&lat, 0.99)),
        f.peak_rss_kib.map_or(0, |k| k / 1024),
        smsc.map_or(0.0, |(_, (c, _))| c.round()),
        recv_ceiling.map_or(0.0, f64::round),
        f.received,
    );
}
