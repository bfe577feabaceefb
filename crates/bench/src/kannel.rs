//! `bote-bench kannel`: the same loop through Kannel (bearerbox + smsbox, Debian's
//! package) for comparison: HTTP `sendsms` (GET, `to` with one or several space-separated
//! numbers, `dlr-mask=31`, a `dlr-url` per request) → SMPP to the node-smpp test SMSC →
//! its text receipt → Kannel's DLR callback (`GET /dlr?p=%p&P=%P&d=%d`) at a local
//! receiver. A message counts as done when its final report (type 1, delivered) arrives.

use std::collections::HashMap;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use clap::Args;

use crate::child::{cpu_ticks, free_port};
use crate::load::{number, quantile};
use crate::smsc::{self, Smscs};

#[derive(Debug, Args)]
pub struct KannelArgs {
    /// Messages in all (a multiple of --per-request).
    #[arg(long, default_value_t = 50_000)]
    messages: u64,
    /// Recipients per sendsms request (space-separated in `to`).
    #[arg(long, default_value_t = 1)]
    per_request: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Kannel's max-pending-submits (SMPP window).
    #[arg(long, default_value_t = 256)]
    smsc_window: usize,
    /// The test SMSC script.
    #[arg(long, default_value = "crates/channels/tests/smsc/smsc.js")]
    smsc_script: PathBuf,
    #[arg(long, default_value = "/usr/sbin/bearerbox")]
    bearerbox: PathBuf,
    #[arg(long, default_value = "/usr/sbin/smsbox")]
    smsbox: PathBuf,
    /// Longest wait for the remaining reports after the last request was answered.
    #[arg(long, default_value_t = 600)]
    timeout_secs: u64,
    /// Keep the temporary directory (kannel.conf, logs) and print its path.
    #[arg(long)]
    keep: bool,
}

#[derive(Default)]
struct Dlrs {
    delivered: Mutex<HashSet<String>>,
    unique: AtomicU64,
    duplicates: AtomicU64,
    acks: AtomicU64,
    other: AtomicU64,
    last: Mutex<Option<Instant>>,
}

async fn dlr(State(d): State<Arc<Dlrs>>, Query(q): Query<HashMap<String, String>>) -> &'static str {
    let kind = q.get("d").map(String::as_str).unwrap_or("");
    // %p or %P is the recipient, depending on the Kannel version; the sender is 4321.
    let who = [q.get("p"), q.get("P")]
        .into_iter()
        .flatten()
        .find(|n| n.trim_start_matches('+').starts_with("43676"))
        .cloned()
        .unwrap_or_default();
    match kind {
        "1" => {
            if d.delivered.lock().expect("not poisoned").insert(who) {
                *d.last.lock().expect("not poisoned") = Some(Instant::now());
                d.unique.fetch_add(1, Ordering::AcqRel);
            } else {
                d.duplicates.fetch_add(1, Ordering::Relaxed);
            }
        }
        "8" => {
            d.acks.fetch_add(1, Ordering::Relaxed);
        }
        _ => {
            d.other.fetch_add(1, Ordering::Relaxed);
        }
    }
    "ok"
}

struct Kannel {
    children: Vec<Child>,
}

impl Kannel {
    fn peak_rss_kib(&self) -> u64 {
        self.children
            .iter()
            .filter_map(|c| {
                let s = std::fs::read_to_string(format!("/proc/{}/status", c.id())).ok()?;
                s.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))?
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .sum()
    }
    fn cpu_ticks(&self) -> u64 {
        self.children.iter().filter_map(|c| cpu_ticks(c.id())).sum()
    }
    fn stop(&mut self) {
        // smsbox first, then bearerbox; SIGTERM, then kill.
        for c in self.children.iter_mut().rev() {
            if let Ok(Some(_)) = c.try_wait() {
                continue;
            }
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let until = Instant::now() + Duration::from_secs(5);
            while Instant::now() < until {
                if let Ok(Some(_)) = c.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Kannel {
    fn drop(&mut self) {
        self.stop();
    }
}

pub async fn run(args: KannelArgs) -> anyhow::Result<bool> {
    if args.per_request == 0 || !args.messages.is_multiple_of(args.per_request as u64) {
        bail!("--messages must be a multiple of --per-request");
    }
    for bin in [&args.bearerbox, &args.smsbox] {
        if !bin.is_file() {
            bail!(
                "{} is missing: apt-get install -y kannel (bench/kannel.sh does)",
                bin.display()
            );
        }
    }
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let dir = tempfile::Builder::new().prefix("bote-kannel-").tempdir()?;
    let smscs = Smscs::start(&args.smsc_script, 1)?;

    let dlrs = Arc::new(Dlrs::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let recv_addr = listener.local_addr()?;
    let app = Router::new()
        .route("/dlr", get(dlr))
        .with_state(dlrs.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (admin, boxport, sendsms) = (free_port()?, free_port()?, free_port()?);
    let d = dir.path().display();
    let conf = format!(
        r#"group = core
admin-port = {admin}
admin-password = bench
admin-allow-ip = "127.0.0.1"
smsbox-port = {boxport}
box-allow-ip = "127.0.0.1"
log-file = "{d}/bearerbox.log"
log-level = 4
dlr-storage = internal

group = smsc
smsc = smpp
smsc-id = node
host = 127.0.0.1
port = {port}
transceiver-mode = true
smsc-username = bote
smsc-password = secret
system-type = ""
max-pending-submits = {window}

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {boxport}
sendsms-port = {sendsms}
log-file = "{d}/smsbox.log"
log-level = 4

group = sendsms-user
username = bench
password = bench
"#,
        port = smscs.ports[0],
        window = args.smsc_window,
    );
    let conf_path = dir.path().join("kannel.conf");
    std::fs::write(&conf_path, conf)?;
    let spawn = |bin: &PathBuf, log: &str| -> anyhow::Result<Child> {
        Command::new(bin)
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.path().join(log))?)
            .stderr(std::fs::File::create(
                dir.path().join(format!("{log}.err")),
            )?)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))
    };
    let mut kannel = Kannel {
        children: vec![spawn(&args.bearerbox, "bearerbox.out")?],
    };
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(120))
        .build()?;
    // The SMSC link is up when bearerbox's status says "online".
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let status = http
            .get(format!(
                "http://127.0.0.1:{admin}/status.txt?password=bench"
            ))
            .send()
            .await;
        if let Ok(r) = status
            && let Ok(t) = r.text().await
            && t.contains("online")
        {
            break;
        }
        if Instant::now() > until {
            bail!("bearerbox's SMSC link not online after 30 s; see {d}/bearerbox.log");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    kannel.children.push(spawn(&args.smsbox, "smsbox.out")?);
    let until = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", sendsms))
        .await
        .is_err()
    {
        if Instant::now() > until {
            bail!("smsbox's sendsms port not open after 30 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let dlr_url = format!("http://{recv_addr}/dlr?p=%p&P=%P&d=%d");
    let requests = args.messages / args.per_request as u64;
    let next = Arc::new(AtomicU64::new(0));
    let smsc_t0 = smscs.cpu_ticks();
    let kannel_t0 = kannel.cpu_ticks();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (http, next, dlr_url) = (http.clone(), next.clone(), dlr_url.clone());
        let per = args.per_request as u64;
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors) = (Vec::new(), Vec::new());
            loop {
                let req = next.fetch_add(1, Ordering::Relaxed);
                if req >= requests {
                    break;
                }
                let mut to = String::new();
                for k in 0..per {
                    if k > 0 {
                        to.push(' ');
                    }
                    let _ = write!(to, "{}", number(req * per + k));
                }
                let t = Instant::now();
                let r = http
                    .get(format!(
                        "http://127.0.0.1:{sendsms}/cgi-bin/sendsms?username=bench&password=bench&from=4321&to={}&text={}&dlr-mask=31&dlr-url={}",
                        encode(&to),
                        encode(&format!("kannel benchmark, request {req}")),
                        encode(&dlr_url)
                    ))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    Ok(r) => {
                        let s = r.status();
                        errors.push(format!("request {req}: {s} {}", r.text().await.unwrap_or_default()));
                    }
                    Err(e) => errors.push(format!("request {req}: {e}")),
                }
                lat.push(t.elapsed());
            }
            (lat, errors)
        }));
    }
    let (mut lat, mut errors) = (Vec::new(), Vec::new());
    for t in tasks {
        let (l, e) = t.await?;
        lat.extend(l);
        errors.extend(e);
    }
    let accept_done = Instant::now();
    let expected = args.messages - (errors.len() as u64 * args.per_request as u64);
    let deadline = Instant::now() + Duration::from_secs(args.timeout_secs);
    let mut last_print = Instant::now();
    while dlrs.unique.load(Ordering::Acquire) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if last_print.elapsed() > Duration::from_secs(5) {
            last_print = Instant::now();
            eprintln!(
                "t={:>6.1}s delivered reports {} of {expected}",
                started.elapsed().as_secs_f64(),
                dlrs.unique.load(Ordering::Relaxed)
            );
        }
    }
    let smsc_ticks = smscs.cpu_ticks() - smsc_t0;
    let kannel_ticks = kannel.cpu_ticks() - kannel_t0;
    let rss = kannel.peak_rss_kib();
    kannel.stop();
    drop(smscs);
    if args.keep {
        eprintln!("kept {}", dir.keep().display());
    }

    lat.sort();
    let received = dlrs.unique.load(Ordering::Acquire);
    let last = dlrs.last.lock().expect("not poisoned").unwrap_or(started);
    let e2e = last
        .saturating_duration_since(started)
        .as_secs_f64()
        .max(1e-9);
    let accept = (accept_done - started).as_secs_f64();
    let p99 = quantile(&lat, 0.99).as_secs_f64() * 1000.0;
    println!();
    println!(
        "kannel: {} messages in {requests} sendsms requests of {}, concurrency {}, max-pending-submits {}",
        args.messages, args.per_request, args.concurrency, args.smsc_window
    );
    println!(
        "  delivered reports {received} (duplicates {}, SMSC acks {}, other {}) | request errors {}",
        dlrs.duplicates.load(Ordering::Relaxed),
        dlrs.acks.load(Ordering::Relaxed),
        dlrs.other.load(Ordering::Relaxed),
        errors.len()
    );
    for e in errors.iter().take(5) {
        println!("  error: {e}");
    }
    println!(
        "  accept {:.1} s ({:.0} msg/s), first request to last delivered report {e2e:.1} s: {:.0} msg/s end to end; p50 {:.0} ms, p99 {p99:.0} ms; bearerbox+smsbox peak RSS {} MB, CPU {:.1} s",
        accept,
        args.messages as f64 / accept,
        received as f64 / e2e,
        quantile(&lat, 0.5).as_secs_f64() * 1000.0,
        rss / 1024,
        kannel_ticks as f64 / 100.0
    );
    let smsc_c = smsc::ceiling(received, smsc_ticks);
    if let Some((c, us)) = smsc_c {
        println!(
            "  test SMSC: {:.1} s CPU, {us:.0} µs per message; ceiling {c:.0} msg per CPU second",
            smsc_ticks as f64 / 100.0
        );
    }
    println!(
        "  load average before: {}; after: {}",
        load_before
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "RESULT\tKannel 1.4.5 ({} per request, SMPP, 1 node SMSC)\t{}\t{p99:.0}\t{}\t{}\t0\t{received}",
        args.per_request,
        (received as f64 / e2e).round(),
        rss / 1024,
        smsc_c.map_or(0.0, |(c, _)| c.round()),
    );
    Ok(errors.is_empty() && received == args.messages)
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}
