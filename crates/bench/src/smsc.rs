//! Test SMSCs for the SMPP runs: one or several node-smpp SMSC processes
//! (`crates/channels/tests/smsc/smsc.js`, receipts as text, nothing recorded), and the
//! `BOTE_SMPP` list that binds one connection to each. Their CPU time over a run gives
//! their ceiling: messages per CPU second of the SMSCs together.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail};

use crate::child::cpu_ticks;

pub struct Smscs {
    children: Vec<Child>,
    pub ports: Vec<u16>,
}

impl Smscs {
    /// Starts `count` SMSCs from `script` on free ports.
    pub fn start(script: &Path, count: usize) -> anyhow::Result<Smscs> {
        if !script.is_file() {
            bail!("{} is not a file", script.display());
        }
        let modules = script.with_file_name("node_modules");
        if !modules.is_dir() {
            bail!(
                "{} is missing: npm ci --prefix {} --no-audit --no-fund",
                modules.display(),
                script
                    .parent()
                    .map_or(".".into(), |p| p.display().to_string())
            );
        }
        let mut smscs = Smscs {
            children: Vec::new(),
            ports: Vec::new(),
        };
        for _ in 0..count.max(1) {
            let mut child = Command::new("node")
                .arg(script)
                .arg("0")
                .env("SMSC_RECEIPTS", "text")
                .env_remove("SMSC_RECORD")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .context("starting node (is Node.js installed?)")?;
            let stdout = child.stdout.take().context("SMSC stdout")?;
            let mut lines = BufReader::new(stdout);
            let mut first = String::new();
            lines.read_line(&mut first)?;
            let port: u16 = first
                .trim()
                .parse()
                .with_context(|| format!("SMSC's first line '{}'", first.trim()))?;
            // Keep draining its stdout so that it never blocks on a full pipe.
            std::thread::spawn(move || {
                let mut sink = String::new();
                while lines.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                    sink.clear();
                }
            });
            smscs.children.push(child);
            smscs.ports.push(port);
        }
        Ok(smscs)
    }

    /// `BOTE_SMPP`: one connection per SMSC. With several, request `r` of `per_request`
    /// numbers (`load::number`, 43676 + 7 digits) goes to SMSC `r % n` by routes on the
    /// number's first 9 digits (43676 + `i / 1000`), so `per_request` must be 1,000.
    pub fn bote_smpp(&self, window: usize, messages: u64) -> String {
        let n = self.ports.len();
        let url = |port: u16| format!("smpp://bote:secret@127.0.0.1:{port}?window={window}&mps=0");
        if n == 1 {
            return url(self.ports[0]);
        }
        let blocks = messages.div_ceil(1000).min(10_000);
        let mut out = Vec::new();
        for (k, port) in self.ports.iter().enumerate() {
            let routes: Vec<String> = (0..blocks)
                .filter(|b| *b as usize % n == k)
                .map(|b| format!("43676{b:04}"))
                .collect();
            let mut u = format!("{}&name=smsc{k}", url(*port));
            if k == 0 {
                u.push_str("&default=1");
            }
            if !routes.is_empty() {
                u.push_str("&routes=");
                u.push_str(&routes.join(","));
            }
            out.push(u);
        }
        out.join(" ")
    }

    /// CPU ticks of all SMSCs so far.
    pub fn cpu_ticks(&self) -> u64 {
        self.children.iter().filter_map(|c| cpu_ticks(c.id())).sum()
    }
}

impl Drop for Smscs {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Ceiling from CPU use: messages per CPU second of the SMSCs (and µs per message).
pub fn ceiling(messages: u64, ticks: u64) -> Option<(f64, f64)> {
    if ticks == 0 || messages == 0 {
        return None;
    }
    let secs = ticks as f64 / 100.0;
    Some((messages as f64 / secs, secs * 1e6 / messages as f64))
}
