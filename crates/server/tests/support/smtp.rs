//! A real SMTP receiver for tests: aiosmtpd (PyPI, pinned in tests/python/requirements.txt)
//! as a child process with its Mailbox handler, which writes every message it takes to a
//! maildir that the test reads.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpReceiver {
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The venv interpreter scripts/test.sh made; a missing one fails the test, never skips it.
fn python() -> PathBuf {
    let path = std::env::var_os("BOTE_TEST_PYTHON").unwrap_or_else(|| {
        panic!(
            "BOTE_TEST_PYTHON is not set: run the suite with scripts/test.sh, which installs \
             aiosmtpd (tests/python/requirements.txt) into target/test-venv and exports \
             BOTE_TEST_PYTHON=<that venv's python>"
        )
    });
    PathBuf::from(path)
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpReceiver {
    /// Starts aiosmtpd on `port` and waits until it accepts connections.
    pub fn start_on(port: u16) -> SmtpReceiver {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("maildir");
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting aiosmtpd");
        let receiver = SmtpReceiver { port, child, dir };
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        receiver
    }

    pub fn start() -> SmtpReceiver {
        Self::start_on(free_port())
    }

    /// Every message received so far, oldest first: its headers and its body decoded from
    /// the transfer encoding the sender chose (quoted-printable or base64 for non-ASCII).
    pub fn messages(&self) -> Vec<String> {
        self.raw_messages().iter().map(|m| decoded(m)).collect()
    }

    /// Every message received so far, raw (headers and body), oldest first.
    pub fn raw_messages(&self) -> Vec<String> {
        let new = self.dir.path().join("maildir").join("new");
        let mut files: Vec<_> = std::fs::read_dir(&new)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

/// bote's `[smtp]` for a receiver on `port` (plain SMTP: the receiver has no TLS).
pub fn smtp_config(port: u16) -> bote::config::SmtpConfig {
    bote::config::SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        tls: bote::config::SmtpTls::None,
        credentials: None,
        from: "bote <bote@bote.test>".parse().unwrap(),
    }
}

/// The message with its body decoded (headers kept as they are).
fn decoded(raw: &str) -> String {
    let raw = raw.replace("\r\n", "\n");
    let Some((head, body)) = raw.split_once("\n\n") else {
        return raw;
    };
    let encoding = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-transfer-encoding:")
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_default();
    let bytes = match encoding.as_str() {
        "quoted-printable" => quoted_printable(body),
        "base64" => {
            use base64::Engine;
            let compact: String = body.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .expect("a base64 body")
        }
        _ => body.as_bytes().to_vec(),
    };
    format!(
        "{head}\n\n{}",
        String::from_utf8(bytes).expect("a UTF-8 body")
    )
}

fn quoted_printable(body: &str) -> Vec<u8> {
    let joined = body.replace("=\n", "");
    let b = joined.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).expect("a quoted-printable escape"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}
