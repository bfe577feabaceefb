//! SMPP throughput: bote's connector against node-smpp's own client, on the same test
//! SMSC (`tests/smsc/smsc.js`, receipts as text), in one run.
//!
//! `cargo bench -p bote-channels --bench smpp_throughput` (or `bench/smpp.sh`, which also
//! installs the node packages). Prints figures only; it asserts nothing about speed.
//!
//! Each row starts a fresh SMSC, binds, and times from the first submit_sm to the last
//! submit_sm_resp (submit msgs/s) and to the last delivery receipt taken (end-to-end
//! msgs/s). Rows "without receipts" ask for none (registered_delivery 0, the SMSC sends
//! none): submit_sm alone. The SMSC's and the client's CPU time over that span come from
//! `/proc/<pid>/stat` (the node client reports its own), as a share of the span and per
//! message; messages per CPU second of the SMSC is what the SMSC would absorb on a core
//! of its own, whatever else the machine runs. The rows with two clients on
//! one SMSC show what the SMSC itself can absorb: when two clients together get no more
//! than one, and the SMSC runs at one core, the SMSC is the limit.
//!
//! Environment: `SMPP_BENCH_N` messages per row (default 100000), `SMPP_BENCH_WINDOW`
//! outstanding submit_sm (default 64), `SMPP_BENCH_TASKS` concurrent `send` calls per
//! connector (default twice the window), `SMPP_BENCH_ROWS` a comma list of rows to run
//! (default `bote,node,bote-nr,node-nr,bote2,node2`: `-nr` without receipts, `2` two
//! clients on one SMSC), `SMPP_BENCH_ROUNDS` how often to run that list (default 1; the
//! ratios use the medians).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bote_channels::smpp::{SmppConfig, SmppConnector};
use bote_channels::{DeliveryReport, EventSink, InboundSms, OutboundSms, SendOutcome, SmsChannel};
use bote_domain::{PhoneNumber, Sender, SenderKind};
use tokio::sync::Notify;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// CPU seconds (user + system) a process has used so far.
fn cpu_secs(pid: &str) -> f64 {
    static TICK: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    let hz = *TICK.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    });
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return f64::NAN;
    };
    // Fields after the command name (which may hold spaces): state is field 3,
    // utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>().unwrap_or(f64::NAN) + f[12].parse().unwrap_or(f64::NAN);
    ticks / hz
}

/// The test SMSC as a child process; killed on drop.
struct Smsc {
    child: Child,
    _stdin: ChildStdin,
    port: u16,
}

impl Smsc {
    fn start(receipts: bool) -> Smsc {
        let dir = manifest_dir().join("tests/smsc");
        assert!(
            dir.join("node_modules/smpp").is_dir(),
            "the SMSC needs its packages: npm ci --prefix crates/channels/tests/smsc"
        );
        let mut child = Command::new("node")
            .arg(dir.join("smsc.js"))
            .arg("0")
            .current_dir(&dir)
            .env("SMSC_RECEIPTS", if receipts { "text" } else { "none" })
            .env_remove("SMSC_RECORD")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node must be installed");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("SMSC printed nothing").unwrap();
        let port = first.trim().parse().expect("SMSC port");
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                eprintln!("smsc: {line}");
            }
        });
        // The SMSC exits when its stdin ends: keep it open.
        let stdin = child.stdin.take().unwrap();
        Smsc {
            child,
            _stdin: stdin,
            port,
        }
    }

    fn cpu(&self) -> f64 {
        cpu_secs(&self.child.id().to_string())
    }
}

impl Drop for Smsc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Counts receipts and keeps their ids (checked after the timing).
#[derive(Default)]
struct CountingSink {
    receipts: AtomicUsize,
    ids: Mutex<Vec<String>>,
    changed: Notify,
}

#[async_trait::async_trait]
impl EventSink for CountingSink {
    async fn delivery_report(&self, report: DeliveryReport) -> anyhow::Result<()> {
        self.ids.lock().unwrap().push(report.provider_id);
        self.receipts.fetch_add(1, Ordering::Release);
        self.changed.notify_waiters();
        Ok(())
    }

    async fn inbound_sms(&self, _sms: InboundSms) -> anyhow::Result<()> {
        Ok(())
    }
}

impl CountingSink {
    async fn wait(&self, n: usize, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            if self.receipts.load(Ordering::Acquire) >= n {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.receipts.load(Ordering::Acquire) >= n;
            }
        }
    }
}

/// One row of the table.
struct Row {
    name: String,
    with_receipts: bool,
    messages: usize,
    accepted: usize,
    receipts: usize,
    submit_s: f64,
    all_s: f64,
    smsc_cpu: f64,
    client_cpu: f64,
}

impl Row {
    fn submit_rate(&self) -> f64 {
        self.messages as f64 / self.submit_s
    }
    fn all_rate(&self) -> f64 {
        self.messages as f64 / self.all_s
    }
}

/// `connectors` connectors (each its own transceiver) on one SMSC, `n` messages in all.
async fn bote_row(n: usize, window: usize, tasks: usize, connectors: usize, receipts: bool) -> Row {
    let smsc = Smsc::start(receipts);
    let url = format!(
        "smpp://bote:secret@127.0.0.1:{}?bind=trx&window={window}&mps=0",
        smsc.port
    );
    let sink = Arc::new(CountingSink::default());
    let mut conns = Vec::new();
    for i in 0..connectors {
        let cfg = SmppConfig::parse(&url).unwrap();
        let c = Arc::new(SmppConnector::start(format!("bench{i}"), cfg, sink.clone()));
        assert!(c.wait_bound(Duration::from_secs(10)).await, "not bound");
        conns.push(c);
    }
    let sender = Sender::parse("bote", SenderKind::Alphanumeric).unwrap();
    let to = PhoneNumber::from_e164_unchecked("+436641234567");
    let next = Arc::new(AtomicUsize::new(0));

    let smsc_cpu0 = smsc.cpu();
    let self_cpu0 = cpu_secs("self");
    let start = Instant::now();
    let mut handles = Vec::new();
    for c in &conns {
        for _ in 0..tasks {
            let (c, next, sender, to) = (c.clone(), next.clone(), sender.clone(), to.clone());
            handles.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                let mut failed = 0usize;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let sms = OutboundSms {
                        message_id: i as i64,
                        to: to.clone(),
                        sender: Some(sender.clone()),
                        body: format!("load test message {i}").into(),
                        flash: false,
                        validity: None,
                        priority: None,
                        want_receipt: receipts,
                    };
                    match c.send(&sms).await {
                        SendOutcome::Accepted { provider_ids } => ids.extend(provider_ids),
                        other => {
                            failed += 1;
                            if failed == 1 {
                                eprintln!("send {i}: {other:?}");
                            }
                        }
                    }
                }
                (ids, failed)
            }));
        }
    }
    let mut accepted_ids = Vec::with_capacity(n);
    let mut failed = 0;
    for h in handles {
        let (ids, f) = h.await.unwrap();
        accepted_ids.extend(ids);
        failed += f;
    }
    let submit_s = start.elapsed().as_secs_f64();
    let want = if receipts { accepted_ids.len() } else { 0 };
    let complete = sink.wait(want, Duration::from_secs(300)).await;
    let all_s = start.elapsed().as_secs_f64();
    let smsc_cpu = smsc.cpu() - smsc_cpu0;
    let client_cpu = cpu_secs("self") - self_cpu0;

    if failed > 0 || !complete {
        eprintln!("bote: {failed} sends not accepted; all receipts: {complete}");
    }
    let mut got = sink.ids.lock().unwrap().clone();
    got.sort_unstable();
    accepted_ids.sort_unstable();
    if receipts && got != accepted_ids {
        eprintln!("bote: the receipts' ids differ from the accepted ids");
    }
    for c in &conns {
        c.close().await;
    }
    Row {
        name: if connectors == 1 {
            "bote SmppConnector".into()
        } else {
            format!("{connectors} bote SmppConnectors, one SMSC")
        },
        with_receipts: receipts,
        messages: n,
        accepted: accepted_ids.len(),
        receipts: got.len(),
        submit_s,
        all_s,
        smsc_cpu,
        client_cpu,
    }
}

/// `clients` node-smpp clients (`bench/smpp/node_client.js`) in parallel on one SMSC,
/// `n` messages in all.
fn node_row(n: usize, window: usize, clients: usize, receipts: bool) -> Row {
    let script = manifest_dir().join("../../bench/smpp/node_client.js");
    assert!(Path::new(&script).is_file(), "{} missing", script.display());
    let smsc = Smsc::start(receipts);
    let smsc_cpu0 = smsc.cpu();
    let children: Vec<Child> = (0..clients)
        .map(|k| {
            let share = n / clients + usize::from(k < n % clients);
            Command::new("node")
                .arg(&script)
                .arg(smsc.port.to_string())
                .arg(share.to_string())
                .arg(window.to_string())
                .arg(if receipts { "1" } else { "0" })
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("node must be installed")
        })
        .collect();
    let mut row = Row {
        name: if clients == 1 {
            "node-smpp client".into()
        } else {
            format!("{clients} node-smpp clients, one SMSC")
        },
        with_receipts: receipts,
        messages: n,
        accepted: 0,
        receipts: 0,
        submit_s: 0.0,
        all_s: 0.0,
        smsc_cpu: 0.0,
        client_cpu: 0.0,
    };
    for child in children {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let v: serde_json::Value = serde_json::from_str(text.trim())
            .unwrap_or_else(|e| panic!("node_client said {text:?}: {e}"));
        let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
        row.accepted += f("accepted") as usize;
        row.receipts += f("receipts") as usize;
        // The clients run side by side: the slowest one's span is the span of the row.
        row.submit_s = row.submit_s.max(f("submit_s"));
        row.all_s = row.all_s.max(f("all_s"));
        row.client_cpu += f("cpu_s");
    }
    // Outside the timed span the SMSC only binds, so its CPU over the clients' whole
    // lives is its CPU over the span.
    row.smsc_cpu = smsc.cpu() - smsc_cpu0;
    row
}

fn uptime() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported.
    let n = env_usize("SMPP_BENCH_N", 100_000);
    let window = env_usize("SMPP_BENCH_WINDOW", 64);
    let tasks = env_usize("SMPP_BENCH_TASKS", 2 * window);
    let rounds = env_usize("SMPP_BENCH_ROUNDS", 1);
    let rows_wanted = std::env::var("SMPP_BENCH_ROWS")
        .unwrap_or_else(|_| "bote,node,bote-nr,node-nr,bote2,node2".into());
    let rows_wanted: Vec<&str> = rows_wanted.split(',').map(str::trim).collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();

    eprintln!(
        "SMPP throughput: {n} messages a row, window {window}, {tasks} concurrent sends per \
         connector, {rounds} round(s); load average before: {}",
        uptime()
    );
    let mut rows = Vec::new();
    for _ in 0..rounds {
        for r in &rows_wanted {
            let row = match *r {
                "bote" => rt.block_on(bote_row(n, window, tasks, 1, true)),
                "bote-nr" => rt.block_on(bote_row(n, window, tasks, 1, false)),
                "bote2" => rt.block_on(bote_row(n, window, tasks, 2, true)),
                "node" => node_row(n, window, 1, true),
                "node-nr" => node_row(n, window, 1, false),
                "node2" => node_row(n, window, 2, true),
                other => {
                    panic!("unknown row {other:?} (bote, node, bote-nr, node-nr, bote2, node2)")
                }
            };
            eprintln!(
                "{} ({} receipts): {:.0} submit msgs/s, {:.0} msgs/s end to end",
                row.name,
                if row.with_receipts { "with" } else { "without" },
                row.submit_rate(),
                row.all_rate()
            );
            rows.push(row);
        }
    }

    println!();
    println!(
        "| client | receipts | messages | window | accepted | receipts taken | submit msgs/s | end-to-end msgs/s | SMSC CPU | client CPU | SMSC µs/msg | client µs/msg |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.0} | {} | {:.0}% | {:.0}% | {:.0} | {:.0} |",
            r.name,
            if r.with_receipts { "yes" } else { "no" },
            r.messages,
            window,
            r.accepted,
            r.receipts,
            r.submit_rate(),
            if r.with_receipts {
                format!("{:.0}", r.all_rate())
            } else {
                "–".into()
            },
            100.0 * r.smsc_cpu / r.all_s,
            100.0 * r.client_cpu / r.all_s,
            1e6 * r.smsc_cpu / r.messages as f64,
            1e6 * r.client_cpu / r.messages as f64,
        );
    }
    let med = |name: &str, receipts: bool, f: fn(&Row) -> f64| {
        median(
            rows.iter()
                .filter(|r| r.name == name && r.with_receipts == receipts)
                .map(f)
                .collect(),
        )
    };
    let (b, nd) = ("bote SmppConnector", "node-smpp client");
    println!();
    println!(
        "bote / node-smpp with receipts: submit {:.2}×, end to end {:.2}×",
        med(b, true, Row::submit_rate) / med(nd, true, Row::submit_rate),
        med(b, true, Row::all_rate) / med(nd, true, Row::all_rate)
    );
    println!(
        "bote / node-smpp without receipts: submit {:.2}×",
        med(b, false, Row::submit_rate) / med(nd, false, Row::submit_rate)
    );
    let ceiling = rows
        .iter()
        .filter(|r| r.with_receipts)
        .map(Row::all_rate)
        .fold(f64::NAN, f64::max);
    println!(
        "SMSC with receipts: best end-to-end figure of this run {ceiling:.0} msgs/s; on a core of \
         its own it would take {:.0} msgs/s (messages per CPU second of the SMSC, median of the \
         rows with receipts)",
        median(
            rows.iter()
                .filter(|r| r.with_receipts)
                .map(|r| r.messages as f64 / r.smsc_cpu)
                .collect()
        )
    );
    println!("load average after: {}", uptime());
}
