//! Benchmark 2: a WhatsApp broadcast to a large group of opted-in contacts through the Cloud
//! API, against the Graph API stand-in (in this process, recording off).
//!
//! Set-up (not timed): the contacts are imported with the real CLI (`bote contacts import`),
//! one group per business number; their opt-ins are written with one SQL statement (no bote
//! interface gives a million opt-ins at once; on a real system they come one by one through
//! webhooks and the widget). Timed: one `POST /api/v1/sends` per business number, a
//! template (the recipients never wrote, so they are outside their 24-hour window), to its
//! group — "expand" is the time until bote answered 202 with every recipient in the outbox —
//! then the Graph API calls the stand-in accepted, sampled each second, until all arrived.
//!
//! Meta allows a business number at most 1,000 messages a second, so `--numbers` sets how
//! many numbers share the broadcast (each at `--rate`): the sustained rate is bounded by
//! numbers × rate, and the figure says how close bote comes to that bound.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bote_graph_standin::{GraphStandin, StandinConfig};
use clap::Args;
use serde_json::{Value, json};

use crate::ceilings;
use crate::child::{Bote, CpuUse, Database, free_port, secs};
use crate::e2e::{Backend, loadavg};
use crate::setup::{self, CloudNumber};

#[derive(Debug, Args)]
pub struct BroadcastArgs {
    /// The bote binary to run.
    #[arg(long, default_value = "target/release/bote")]
    bote: PathBuf,
    #[arg(long, value_enum)]
    database: Backend,
    /// Opted-in contacts in all, spread evenly over the numbers' groups.
    #[arg(long, default_value_t = 1_000_000)]
    contacts: u64,
    /// Business numbers sending at once, each to its own group. 25 by default: with 20 the
    /// bound (numbers × rate) would equal the target of 20,000 msg/s, which no run could
    /// then reach, as its first and last second are partial.
    #[arg(long, default_value_t = 25)]
    numbers: u64,
    /// Messages a second per number (bote accepts 1 to 1,000, Meta's ceiling).
    #[arg(long, default_value_t = 1_000)]
    rate: u32,
    /// Let the stand-in post `sent`/`delivered` status webhooks back to bote, as Meta does.
    #[arg(long)]
    statuses: bool,
    /// Skip measuring the Graph API stand-in's ceiling before the run.
    #[arg(long)]
    skip_ceilings: bool,
    /// PostgreSQL server to create the benchmark database on.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_url: String,
}

fn phone_number_id(k: u64) -> String {
    format!("1065403522{k:05}")
}

fn business_number(k: u64) -> String {
    format!("+4380090{k:04}")
}

/// `first_name,whatsapp_number,groups`, contact `i` in group `B{i % numbers}`.
fn write_contacts(path: &std::path::Path, contacts: u64, numbers: u64) -> anyhow::Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "first_name,whatsapp_number,groups")?;
    for i in 0..contacts {
        writeln!(out, "Kundin {i},+43699{i:08},B{}", i % numbers)?;
    }
    out.flush()?;
    Ok(())
}

pub async fn run(args: BroadcastArgs) -> anyhow::Result<bool> {
    if args.numbers == 0 || args.contacts < args.numbers {
        bail!("--numbers must be at least 1 and at most --contacts");
    }
    let dir = tempfile::tempdir()?;
    let db = match args.database {
        Backend::Sqlite => Database::sqlite(dir.path()),
        Backend::Postgres => Database::postgres(&args.postgres_url)?,
    };
    let numbers: Vec<CloudNumber> = (0..args.numbers)
        .map(|k| CloudNumber {
            number: business_number(k),
            phone_number_id: phone_number_id(k),
            rate: Some(args.rate),
        })
        .collect();
    let ceiling = if args.skip_ceilings {
        None
    } else {
        Some(
            ceilings::graph_standin(50_000, 64)
                .await
                .context("stand-in ceiling")?,
        )
    };
    let port = free_port()?;
    let standin = GraphStandin::start(StandinConfig {
        numbers: numbers.iter().map(CloudNumber::at_standin).collect(),
        webhook_url: args
            .statuses
            .then(|| format!("http://127.0.0.1:{port}/webhooks/whatsapp/{{phone_number_id}}")),
        status_webhooks: args.statuses,
        record_requests: false,
        ..StandinConfig::default()
    })
    .await?;
    let config = dir.path().join("bote.toml");
    std::fs::write(
        &config,
        format!(
            "api_requests_per_second = 0\nwhatsapp_api_base = \"{}\"\n[packages]\nlarge_cap = {}\n",
            standin.base_url(),
            args.contacts * 2
        ),
    )?;
    let bote = Bote {
        bin: args.bote.clone(),
        config,
        database_url: db.url().to_owned(),
        env: Vec::new(),
    };
    let token = setup::whatsapp_account(&bote, &numbers)?;

    let csv = dir.path().join("contacts.csv");
    write_contacts(&csv, args.contacts, args.numbers)?;
    let started = Instant::now();
    bote.cli(&[
        "contacts",
        "import",
        "--account",
        "bench",
        csv.to_str().context("path")?,
    ])?;
    let imported_in = started.elapsed();
    db.execute(
        "INSERT INTO opt_ins (account_id, number, business_number, source, given_at) \
         SELECT account_id, whatsapp_number, NULL, 'api', '2026-01-01T00:00:00.000000Z' \
         FROM contacts WHERE whatsapp_number IS NOT NULL",
    )?;
    println!(
        "set-up: {} contacts imported in {:.1} s and opted in; {} numbers at {}/s each",
        args.contacts,
        imported_in.as_secs_f64(),
        args.numbers,
        args.rate
    );

    let http = reqwest::Client::new();
    let mut server = bote.serve(port, &dir.path().join("bote.log"))?;
    server.wait_healthy(&http).await?;
    let load_before = loadavg();
    let cpu_before = CpuUse::read(&server);

    // One send per number, all at once; each answers when its recipients are in the outbox.
    let t0 = Instant::now();
    let posts = (0..args.numbers).map(|k| {
        let (http, url, token) = (
            http.clone(),
            format!("{}/api/v1/sends", server.base),
            token.clone(),
        );
        async move {
            let body = json!({
                "channel": "whatsapp",
                "sender": business_number(k),
                "template": {"name": "weekly_offers", "language": "de"},
                "to": {"groups": [format!("B{k}")]},
            });
            // As a client should: a 503 (the database busy, nothing written) is sent
            // again after its Retry-After, a few times.
            let mut busy = 0;
            loop {
                let answer = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await?;
                let status = answer.status();
                let wait = answer
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
                    .unwrap_or(1);
                let answer: Value = answer.json().await?;
                if status == 503 && busy < 5 {
                    busy += 1;
                    eprintln!("send {k}: 503, again in {wait} s ({answer})");
                    tokio::time::sleep(Duration::from_secs(wait)).await;
                    continue;
                }
                if status != 202 {
                    bail!("send {k}: {status} {answer}");
                }
                return Ok::<_, anyhow::Error>((answer["id"].as_i64().unwrap_or(0), t0.elapsed()));
            }
        }
    });
    let sampler = sample(&standin, args.contacts);
    let (accepted, samples) = tokio::join!(futures::future::try_join_all(posts), sampler);
    let sends = match accepted {
        Ok(sends) => sends,
        Err(e) => {
            let _ = crate::child::look_at_log(&dir.path().join("bote.log"));
            return Err(e);
        }
    };
    let expanded = sends.iter().map(|(_, at)| *at).max().unwrap_or_default();
    let used = CpuUse::since(cpu_before, &server);
    let span = t0.elapsed();
    let load_after = loadavg();
    let peak = server.peak_rss_kib();

    let sent = count_sent(&http, &server.base, &token, &sends).await?;
    server.stop();
    crate::child::look_at_log(&dir.path().join("bote.log"))?;
    db.drop_database()?;

    let stats = standin.stats();
    // From the first second with a call to the last sample: the ramp-up is the expansion's.
    let first = samples.iter().position(|(_, n)| *n > 0);
    let (last_at, last_n) = samples.last().copied().unwrap_or_default();
    let sustained = match first.map(|i| samples[i]) {
        Some((at, n)) if last_at > at => (last_n - n) as f64 / (last_at - at).as_secs_f64(),
        _ => 0.0,
    };
    let mut seconds: Vec<u64> = samples.windows(2).map(|w| w[1].1 - w[0].1).collect();
    let timeline: Vec<String> = seconds.iter().map(u64::to_string).collect();
    seconds.retain(|n| *n > 0);
    seconds.sort_unstable();
    let median = seconds.get(seconds.len() / 2).copied().unwrap_or(0);
    println!(
        "whatsapp broadcast, {}: {} opted-in contacts, {} numbers × {}/s{}",
        db.backend(),
        args.contacts,
        args.numbers,
        args.rate,
        if args.statuses {
            ", status webhooks on"
        } else {
            ""
        }
    );
    println!(
        "  expanded (202 with every recipient in the outbox): {:.2} s",
        expanded.as_secs_f64()
    );
    println!(
        "  Graph API calls accepted: {} of {} (refused {}); first after {:.2} s, last after {:.2} s",
        stats.accepted,
        args.contacts,
        stats.refused,
        first.map_or(0.0, |i| samples[i].0.as_secs_f64()),
        last_at.as_secs_f64()
    );
    println!(
        "  sustained {sustained:.0} msg/s (first to last call), median second {median}, bound {} msg/s",
        args.numbers * u64::from(args.rate)
    );
    println!(
        "  messages `sent` or later in bote: {sent}; bote peak RSS {} MB, CPU {}",
        peak.map_or("?".to_owned(), |k| (k / 1024).to_string()),
        secs(used.bote),
    );
    println!("{}", used.line(span, "Graph stand-in, sampler"));
    if let Some((calls, per_call)) = ceiling {
        println!(
            "  stand-in ceiling (before the run, 50,000 calls from 64 callers in this process): {calls:.0} calls/s, {} µs CPU per call with its caller",
            per_call.as_micros()
        );
    }
    println!("  calls each second: {}", timeline.join(" "));
    println!("  load average before: {load_before}; after: {load_after}");
    println!(
        "RESULT\tbroadcast {}\t{sustained:.0}\t{:.2}\t{}\t{}",
        db.backend(),
        expanded.as_secs_f64(),
        peak.map_or(0, |k| k / 1024),
        stats.accepted
    );
    Ok(stats.accepted == args.contacts && sent == args.contacts)
}

/// The stand-in's accepted count each second, until it reaches `total` or stops moving for
/// a minute.
/// The first few errors and warnings bote logged (not slow statements, which are expected
/// under this load, nor the missing callback secret), and how many there were.
async fn sample(standin: &bote_graph_standin::StandinHandle, total: u64) -> Vec<(Duration, u64)> {
    let t0 = Instant::now();
    let mut samples = vec![(Duration::ZERO, 0)];
    let mut still_since = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = standin.stats().accepted;
        let before = samples.last().map_or(0, |s| s.1);
        samples.push((t0.elapsed(), now));
        if now >= total {
            return samples;
        }
        if now != before {
            still_since = Instant::now();
        } else if still_since.elapsed() > Duration::from_secs(60) {
            eprintln!("no Graph API call for a minute; stopping at {now} of {total}");
            return samples;
        }
    }
}

/// Messages of the sends that reached `sent` or a later status, from `GET /api/v1/sends/{id}`.
async fn count_sent(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    sends: &[(i64, Duration)],
) -> anyhow::Result<u64> {
    let mut sent = 0;
    for (id, _) in sends {
        let send: Value = http
            .get(format!("{base}/api/v1/sends/{id}"))
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?;
        for status in ["sent", "delivered", "read"] {
            sent += send["counts"][status].as_u64().unwrap_or(0);
        }
    }
    Ok(sent)
}
