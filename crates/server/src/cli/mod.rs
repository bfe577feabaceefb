//! The `bote` command line. Every command honours `--database-url` / `BOTE_DATABASE_URL`
//! and `--config`; output meant for scripts goes to stdout, everything else to stderr.

mod accounts;
mod contacts;
mod numbers;
mod serve;
mod whatsapp;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, Overrides};

#[derive(Debug, Parser)]
#[command(
    name = "bote",
    version,
    about = "Self-hosted business messaging: SMS and WhatsApp, websms-compatible API"
)]
pub struct Cli {
    /// TOML configuration file (keys as in README; `BOTE_*` variables override it).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Database: `sqlite://bote.db` (default) or `postgres://user@host/db`. Env: BOTE_DATABASE_URL.
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// SMSC connection `smpp://system_id:password@host:port?bind=trx&window=64&name=a&routes=43676,49&default=1`
    /// (`smpps://` for TLS); repeatable, and replaces the `smpp` key. Env: BOTE_SMPP.
    #[arg(long, global = true, value_name = "URL")]
    smpp: Vec<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server: HTTP API and workers (`--api` or `--worker` for one of them).
    Serve(serve::ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Create and list accounts (tenants).
    #[command(subcommand)]
    Account(accounts::AccountCommand),
    /// Add users to accounts, or account managers.
    #[command(subcommand)]
    User(accounts::UserCommand),
    /// Create, list and revoke API tokens.
    #[command(subcommand)]
    Token(accounts::TokenCommand),
    /// Import and export contacts as CSV.
    #[command(subcommand)]
    Contacts(contacts::ContactsCommand),
    /// Business numbers: the SMS and WhatsApp numbers customers write to.
    #[command(subcommand)]
    Number(numbers::NumberCommand),
    /// The built-in sandbox channels: simulate a customer's handset.
    #[command(subcommand)]
    Sandbox(numbers::SandboxCommand),
    /// The WhatsApp add-on (account managers): activate with a package, remove, status.
    #[command(subcommand)]
    Whatsapp(whatsapp::WhatsappCommand),
}

pub fn run() -> ExitCode {
    crate::memory::limit_arenas();
    let cli = Cli::parse();
    let quiet = !matches!(cli.command, Command::Serve(_));
    init_logging(quiet);
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
    match runtime.block_on(dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let (listen, role) = match &cli.command {
        Command::Serve(args) => (args.listen.clone(), args.role()),
        _ => (None, None),
    };
    let overrides = Overrides {
        listen,
        role,
        database_url: cli.database_url.clone(),
        smpp: cli.smpp.clone(),
    };
    let config = Config::load(cli.config.as_deref(), &overrides)?;
    match cli.command {
        Command::Serve(_) => serve::serve(config).await,
        Command::Migrate => {
            crate::store_open::open_store(&config.database_url).await?;
            eprintln!("migrated {}", config.database_url);
            Ok(())
        }
        Command::Account(cmd) => accounts::account(config, cmd).await,
        Command::User(cmd) => accounts::user(config, cmd).await,
        Command::Token(cmd) => accounts::token(config, cmd).await,
        Command::Contacts(cmd) => contacts::contacts(config, cmd).await,
        Command::Number(cmd) => numbers::number(config, cmd).await,
        Command::Sandbox(cmd) => numbers::sandbox(config, cmd).await,
        Command::Whatsapp(cmd) => whatsapp::whatsapp(config, cmd).await,
    }
}

fn init_logging(quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if quiet {
        "warn"
    } else {
        "info,tower_http=warn,sqlx=warn"
    };
    let filter = std::env::var("BOTE_LOG")
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
