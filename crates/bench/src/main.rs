//! `bote-bench`: benchmarks that drive the real `bote` binary and print figures. Not a
//! test: nothing here runs in the test suite.

mod broadcast;
mod ceilings;
mod child;
mod e2e;
mod kannel;
mod load;
mod receiver;
mod setup;
mod smsc;
mod webhooks;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "bote-bench", about = "Benchmarks of the bote binary")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// websms requests → sandbox channel → final status → callback at a local receiver.
    E2e(e2e::E2eArgs),
    /// The same loop through Kannel (bearerbox + smsbox) against the node-smpp test SMSC.
    Kannel(kannel::KannelArgs),
    /// A WhatsApp template broadcast to a large opted-in group → Graph API stand-in.
    Broadcast(broadcast::BroadcastArgs),
    /// Signed WhatsApp webhook deliveries of inbound messages → stored, keywords applied.
    Webhooks(webhooks::WebhookArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // reqwest is built without a default TLS provider, as in the server.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::E2e(args) => runtime.block_on(e2e::run(args)),
        Command::Kannel(args) => runtime.block_on(kannel::run(args)),
        Command::Webhooks(args) => runtime.block_on(webhooks::run(args)),
        Command::Broadcast(args) => runtime.block_on(broadcast::run(args)),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(2),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
