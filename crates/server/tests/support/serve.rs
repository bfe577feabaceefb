//! `bote serve` as users run it: the real binary as a child process, killed with SIGKILL
//! when dropped.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use super::eventually;

pub struct Serve(Child);

impl Serve {
    /// `bote serve` with the `BOTE_*` settings in `env`; stderr appended to `log`.
    pub fn start(env: &[(&str, String)], log: &Path) -> Serve {
        Self::start_with(&[], env, log)
    }

    /// `bote serve ARGS…` (`--api`, `--worker`).
    pub fn start_with(args: &[&str], env: &[(&str, String)], log: &Path) -> Serve {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bote"));
        cmd.arg("serve")
            .args(args)
            .stdout(Stdio::null())
            .stderr(log)
            .env("BOTE_LOG", "warn");
        for (k, v) in env {
            cmd.env(k, v);
        }
        Serve(cmd.spawn().expect("starting bote serve"))
    }

    /// SIGKILL: no shutdown, no unbind, nothing flushed.
    pub fn kill_9(&mut self) {
        self.0.kill().expect("kill -9");
        self.0.wait().unwrap();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until `base` answers `/healthz` with 200.
pub async fn healthy(client: &reqwest::Client, base: &str) {
    eventually(60, "bote serve answering /healthz", || async {
        let r = client.get(format!("{base}/healthz")).send().await.ok()?;
        (r.status() == 200).then_some(())
    })
    .await;
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
