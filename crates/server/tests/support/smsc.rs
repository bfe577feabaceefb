//! The SMPP tests' Node.js SMSC (`crates/channels/tests/smsc/smsc.js`) as a child process
//! on a free port, killed on drop; what it accepted is read from its record file.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

pub struct Smsc {
    child: Child,
    pub port: u16,
    record: PathBuf,
    _dir: tempfile::TempDir,
}

fn smsc_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../channels/tests/smsc")
}

impl Smsc {
    /// Starts the SMSC with `SMSC_*` settings (see the header of smsc.js).
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
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
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
        Smsc {
            child,
            port,
            record,
            _dir: tmp,
        }
    }

    /// Sends one command to the SMSC's stdin (`{"cmd":"mo",...}`, see smsc.js).
    pub fn command(&mut self, command: Value) {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().expect("SMSC stdin");
        writeln!(stdin, "{command}").expect("writing to the SMSC");
        stdin.flush().unwrap();
    }

    /// `smpp://bote:secret@127.0.0.1:PORT?params`
    pub fn url(&self, params: &str) -> String {
        format!("smpp://bote:secret@127.0.0.1:{}?{params}", self.port)
    }

    /// Recorded events of `kind` (`submit`, `deliver_resp`, `unbind`).
    pub fn records(&self, kind: &str) -> Vec<Value> {
        let Ok(text) = std::fs::read_to_string(&self.record) else {
            return Vec::new();
        };
        text.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["kind"] == kind)
            .collect()
    }

    /// Destination numbers of the recorded submits, sorted.
    pub fn submitted_to(&self) -> Vec<String> {
        let mut to: Vec<String> = self
            .records("submit")
            .iter()
            .map(|r| r["dest"]["addr"].as_str().unwrap_or_default().to_owned())
            .collect();
        to.sort();
        to
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
