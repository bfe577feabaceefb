//! Test helpers for the SMPP tests: the Node.js test SMSC (`tests/smsc/smsc.js`) as a
//! child process on a free port, killed on drop, and an [`EventSink`] that records.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bote_channels::{DeliveryReport, EventSink, InboundSms, OutboundSms};
use bote_domain::{PhoneNumber, Sender, SenderKind};
use serde_json::Value;
use tokio::sync::Notify;

pub struct Smsc {
    child: Child,
    stdin: ChildStdin,
    pub port: u16,
    record: PathBuf,
    _dir: tempfile::TempDir,
}

fn smsc_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smsc")
}

impl Smsc {
    /// Starts the SMSC with `SMSC_*` settings.
    pub fn start(env: &[(&str, &str)]) -> Smsc {
        let dir = smsc_dir();
        assert!(
            dir.join("node_modules/smpp").is_dir(),
            "the test SMSC needs its packages: npm ci --prefix crates/channels/tests/smsc (scripts/test.sh does it)"
        );
        let tmp = tempfile::tempdir().unwrap();
        let record = tmp.path().join("record.jsonl");
        let mut cmd = Command::new("node");
        cmd.arg(dir.join("smsc.js"))
            .arg("0")
            .current_dir(&dir)
            .env("SMSC_RECORD", &record)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .expect("node must be installed to run the SMPP tests");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("SMSC printed nothing").unwrap();
        let port: u16 = first
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("SMSC said {first:?}"));
        // Keep draining stdout so the child never blocks on it.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                eprintln!("smsc: {line}");
            }
        });
        let stdin = child.stdin.take().unwrap();
        Smsc {
            child,
            stdin,
            port,
            record,
            _dir: tmp,
        }
    }

    /// `smpp://bote:secret@127.0.0.1:PORT?params`
    pub fn url(&self, params: &str) -> String {
        format!("smpp://bote:secret@127.0.0.1:{}?{params}", self.port)
    }

    pub fn command(&mut self, cmd: Value) {
        writeln!(self.stdin, "{cmd}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Recorded events of `kind` (`submit`, `deliver_resp`).
    pub fn records(&self, kind: &str) -> Vec<Value> {
        let Ok(text) = std::fs::read_to_string(&self.record) else {
            return Vec::new();
        };
        text.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["kind"] == kind)
            .collect()
    }

    /// Waits until at least `n` records of `kind` exist.
    pub async fn wait_records(&self, kind: &str, n: usize, timeout: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let r = self.records(kind);
            if r.len() >= n || tokio::time::Instant::now() >= deadline {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Smsc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Records what a channel reports; can be told to fail the first calls.
#[derive(Default)]
pub struct RecordingSink {
    pub reports: Mutex<Vec<DeliveryReport>>,
    pub inbound: Mutex<Vec<InboundSms>>,
    fail_next: Mutex<usize>,
    changed: Notify,
}

impl RecordingSink {
    pub fn new() -> Arc<RecordingSink> {
        Arc::new(RecordingSink::default())
    }

    /// The next `n` calls answer an error.
    pub fn fail_next(&self, n: usize) {
        *self.fail_next.lock().unwrap() = n;
    }

    fn should_fail(&self) -> bool {
        let mut f = self.fail_next.lock().unwrap();
        if *f > 0 {
            *f -= 1;
            true
        } else {
            false
        }
    }

    pub fn reports(&self) -> Vec<DeliveryReport> {
        self.reports.lock().unwrap().clone()
    }

    pub fn inbound(&self) -> Vec<InboundSms> {
        self.inbound.lock().unwrap().clone()
    }

    async fn wait_until(&self, timeout: Duration, done: impl Fn() -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            if done() {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return done();
            }
        }
    }

    pub async fn wait_reports(&self, n: usize, timeout: Duration) -> Vec<DeliveryReport> {
        self.wait_until(timeout, || self.reports.lock().unwrap().len() >= n)
            .await;
        self.reports()
    }

    pub async fn wait_inbound(&self, n: usize, timeout: Duration) -> Vec<InboundSms> {
        self.wait_until(timeout, || self.inbound.lock().unwrap().len() >= n)
            .await;
        self.inbound()
    }
}

#[async_trait::async_trait]
impl EventSink for RecordingSink {
    async fn delivery_report(&self, report: DeliveryReport) -> anyhow::Result<()> {
        if self.should_fail() {
            anyhow::bail!("store unavailable");
        }
        self.reports.lock().unwrap().push(report);
        self.changed.notify_waiters();
        Ok(())
    }

    async fn inbound_sms(&self, sms: InboundSms) -> anyhow::Result<()> {
        if self.should_fail() {
            anyhow::bail!("store unavailable");
        }
        self.inbound.lock().unwrap().push(sms);
        self.changed.notify_waiters();
        Ok(())
    }
}

pub fn sms(id: i64, text: &str) -> OutboundSms {
    OutboundSms {
        message_id: id,
        to: PhoneNumber::from_e164_unchecked("+436641234567"),
        sender: Some(Sender::parse("bote", SenderKind::Alphanumeric).unwrap()),
        body: text.into(),
        flash: false,
        validity: None,
        priority: None,
        want_receipt: true,
    }
}
