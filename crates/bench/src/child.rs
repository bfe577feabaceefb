//! The `bote` binary as a child: its CLI for setup, `bote serve` as the server under test,
//! and the database it runs on (a SQLite file in a temporary directory or a fresh
//! PostgreSQL database, dropped at the end).

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};

/// A port that was free a moment ago.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// CPU time of a process so far (user + system) in clock ticks, from `/proc/<pid>/stat`.
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which ends with the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// CPU time of the whole machine so far (all cores, busy only), from `/proc/stat`.
pub fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: all but idle and iowait.
    let busy: u64 = fields.iter().take(8).sum::<u64>() - fields.get(3)? - fields.get(4)?;
    Some(Duration::from_millis(busy * 10))
}

/// A CPU time as printed: `12.3 s`, or `?` where it could not be read.
pub fn secs(d: Option<Duration>) -> String {
    d.map_or("?".to_owned(), |d| format!("{:.1} s", d.as_secs_f64()))
}

/// CPU time of bote, of this tool and of the whole machine (busy only): counters read at
/// one moment, or what each used between two moments ([`CpuUse::since`]).
#[derive(Debug, Clone, Copy)]
pub struct CpuUse {
    pub bote: Option<Duration>,
    pub own: Option<Duration>,
    pub machine: Option<Duration>,
}

impl CpuUse {
    /// The counters now.
    pub fn read(server: &Server) -> CpuUse {
        CpuUse {
            bote: server.cpu_time(),
            own: own_cpu(),
            machine: machine_busy(),
        }
    }

    /// What each used since `before` was read.
    pub fn since(before: CpuUse, server: &Server) -> CpuUse {
        let now = CpuUse::read(server);
        let used = |a: Option<Duration>, b: Option<Duration>| a.zip(b).map(|(a, b)| a - b);
        CpuUse {
            bote: used(now.bote, before.bote),
            own: used(now.own, before.own),
            machine: used(now.machine, before.machine),
        }
    }

    /// The line that splits the CPU of a timed `span` between bote, this tool (`tool` says
    /// what runs in it) and the rest of the machine.
    pub fn line(&self, span: Duration, tool: &str) -> String {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let rest = self
            .machine
            .zip(self.bote.zip(self.own))
            .map(|(m, (b, o))| m.saturating_sub(b + o));
        format!(
            "  CPU while timed ({:.1} s of {cores} cores): bote {}, this tool ({tool}) {}, the rest of the machine (the database, …) {}",
            span.as_secs_f64() * cores as f64,
            secs(self.bote),
            secs(self.own),
            secs(rest),
        )
    }
}

/// This process's CPU time so far.
pub fn own_cpu() -> Option<Duration> {
    cpu_time_of(std::process::id())
}

/// CPU time (user + system) of process `pid` so far.
fn cpu_time_of(pid: u32) -> Option<Duration> {
    // USER_HZ is 100 on Linux.
    Some(Duration::from_millis(cpu_ticks(pid)? * 10))
}

/// Where bote keeps its data for one run.
pub enum Database {
    Sqlite {
        url: String,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

impl Database {
    pub fn sqlite(dir: &Path) -> Database {
        Database::Sqlite {
            url: format!("sqlite://{}", dir.join("bench.db").display()),
        }
    }

    /// Creates `bote_bench_<random>` on the server of `admin_url` (with `psql`).
    pub fn postgres(admin_url: &str) -> anyhow::Result<Database> {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.subsec_nanos();
        let name = format!("bote_bench_{}_{nanos}", std::process::id());
        psql(admin_url, &format!("CREATE DATABASE {name}"))?;
        let base = admin_url
            .rsplit_once('/')
            .map(|(base, _)| base)
            .context("the PostgreSQL URL has no database part")?;
        Ok(Database::Postgres {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
        })
    }

    pub fn url(&self) -> &str {
        match self {
            Database::Sqlite { url } | Database::Postgres { url, .. } => url,
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Database::Sqlite { .. } => "SQLite",
            Database::Postgres { .. } => "PostgreSQL",
        }
    }

    /// Runs SQL on the benchmark database: `psql` for PostgreSQL, Python's `sqlite3` module
    /// for SQLite (both on every machine of this kind). For setting up data no bote interface
    /// writes in bulk.
    pub fn execute(&self, sql: &str) -> anyhow::Result<()> {
        match self {
            Database::Postgres { url, .. } => psql(url, sql),
            Database::Sqlite { url } => {
                let path = url.trim_start_matches("sqlite://");
                let out = Command::new("python3")
                    .args([
                        "-c",
                        "import sqlite3, sys\n\
                         c = sqlite3.connect(sys.argv[1])\n\
                         c.executescript(sys.argv[2])\n\
                         c.commit()",
                        path,
                        sql,
                    ])
                    .output()
                    .context("running python3 (its sqlite3 module sets up SQLite data)")?;
                if !out.status.success() {
                    bail!("sqlite3: {}", String::from_utf8_lossy(&out.stderr).trim());
                }
                Ok(())
            }
        }
    }

    /// Drops the PostgreSQL database; the SQLite file goes with its temporary directory.
    pub fn drop_database(&self) -> anyhow::Result<()> {
        if let Database::Postgres {
            admin_url, name, ..
        } = self
        {
            psql(
                admin_url,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )?;
        }
        Ok(())
    }
}

fn psql(url: &str, sql: &str) -> anyhow::Result<()> {
    let out = Command::new("psql")
        .args([url, "-qXc", sql])
        .output()
        .context("running psql (needed for --database postgres)")?;
    if !out.status.success() {
        bail!("psql: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// How to run the bote binary: the binary, its config file, its database and extra
/// environment (`--bote-env`), for every command.
pub struct Bote {
    pub bin: PathBuf,
    pub config: PathBuf,
    pub database_url: String,
    pub env: Vec<(String, String)>,
}

impl Bote {
    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--config")
            .arg(&self.config)
            .arg("--database-url")
            .arg(&self.database_url)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Runs a CLI command and returns its stdout, trimmed.
    pub fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = self
            .command()
            .args(args)
            .output()
            .with_context(|| format!("running {}", self.bin.display()))?;
        if !out.status.success() {
            bail!(
                "bote {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8(out.stdout)?.trim().to_owned())
    }

    /// Starts `bote serve` on `port`, its output going to `log`.
    pub fn serve(&self, port: u16, log: &Path) -> anyhow::Result<Server> {
        let out = File::create(log)?;
        let child = self
            .command()
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {} serve", self.bin.display()))?;
        Ok(Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log: log.to_owned(),
        })
    }
}

/// A running `bote serve`; killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    log: PathBuf,
}

impl Server {
    pub async fn wait_healthy(&mut self, http: &reqwest::Client) -> anyhow::Result<()> {
        let started = Instant::now();
        let url = format!("{}/healthz", self.base);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("bote serve exited ({status}); see {}", self.log.display());
            }
            if let Ok(r) = http.get(&url).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(30) {
                bail!(
                    "bote serve not healthy after 30 s; see {}",
                    self.log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak resident set size so far, in KiB (`VmHWM`).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    }

    /// CPU time used so far (user + system).
    pub fn cpu_time(&self) -> Option<Duration> {
        cpu_time_of(self.pid())
    }

    /// Asks bote to stop (SIGTERM), then kills it if it has not after five seconds.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// After a run: shows the first errors and warnings bote logged, and keeps its log where
/// `BOTE_BENCH_KEEP_LOG` says.
pub fn look_at_log(log: &std::path::Path) -> anyhow::Result<()> {
    show_errors(log);
    if let Some(keep) = std::env::var_os("BOTE_BENCH_KEEP_LOG") {
        std::fs::copy(log, keep)?;
    }
    Ok(())
}

fn show_errors(log: &std::path::Path) {
    let log = std::fs::read_to_string(log).unwrap_or_default();
    let bad: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.contains("ERROR")
                || (l.contains("WARN")
                    && !l.contains("slow statement")
                    && !l.contains("callback_secret"))
        })
        .collect();
    for line in bad.iter().take(5) {
        eprintln!("bote: {line}");
    }
    if !bad.is_empty() {
        eprintln!("bote logged {} errors and warnings", bad.len());
    }
}
