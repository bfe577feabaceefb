//! `graph-standin`: the Graph API stand-in as a process, for benchmarks.
//!
//! ```text
//! graph-standin --listen 127.0.0.1:9100 --number 1234:token:secret:+43800100100 \
//!     --webhook-url 'http://127.0.0.1:8080/webhooks/whatsapp/{phone_number_id}' --status-delay-ms 50
//! ```
//! Prints `graph-standin listening on http://ADDR` once it accepts connections; stops on Ctrl-C.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use bote_graph_standin::{GraphStandin, StandinConfig, StandinNumber};
use clap::Parser;

#[derive(Parser)]
#[command(
    about = "A local stand-in of Meta's Graph API (WhatsApp Cloud API) for bote's benchmarks"
)]
struct Args {
    /// Address to listen on (port 0: a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// A business number as id:token:secret:display (repeat for more).
    #[arg(long = "number", required = true)]
    numbers: Vec<StandinNumber>,
    /// Where webhooks go; `{phone_number_id}` is replaced by the number's id.
    #[arg(long)]
    webhook_url: Option<String>,
    /// No status webhooks (inbound injection still posts).
    #[arg(long)]
    no_statuses: bool,
    /// From acceptance to `sent`, and between statuses.
    #[arg(long, default_value_t = 50)]
    status_delay_ms: u64,
    /// Also send `read` after `delivered`.
    #[arg(long)]
    read_receipts: bool,
    /// Keep every request in memory for GET /_standin/requests (off: counters only).
    #[arg(long)]
    record: bool,
    /// Statuses per webhook POST at most.
    #[arg(long, default_value_t = 100)]
    webhook_batch: usize,
    /// How long a due status waits for others to share its POST.
    #[arg(long, default_value_t = 10)]
    webhook_linger_ms: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let standin = GraphStandin::start(StandinConfig {
        listen: args.listen,
        numbers: args.numbers,
        webhook_url: args.webhook_url,
        status_webhooks: !args.no_statuses,
        status_delay: Duration::from_millis(args.status_delay_ms),
        read_receipts: args.read_receipts,
        record_requests: args.record,
        webhook_batch: args.webhook_batch,
        webhook_linger: Duration::from_millis(args.webhook_linger_ms),
        ..StandinConfig::default()
    })
    .await?;
    let mut out = std::io::stdout();
    writeln!(out, "graph-standin listening on {}", standin.base_url())?;
    out.flush()?;
    tokio::signal::ctrl_c().await?;
    let stats = standin.stats();
    writeln!(out, "{}", serde_json::to_string(&stats)?)?;
    Ok(())
}
