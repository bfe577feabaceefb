//! `bote contacts import|export`

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use bote_domain::GroupCode;
use clap::Subcommand;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};

use super::accounts::find_account;
use crate::config::Config;
use crate::contacts_csv::{export_stream, import_file};
use crate::store_open::open_store;

#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Import contacts from a CSV file (header: first_name,last_name,sms_number,whatsapp_number,groups;
    /// other columns become custom fields). Upserts by number; rejected rows go to stderr.
    Import {
        file: PathBuf,
        #[arg(long)]
        account: String,
    },
    /// Export contacts as CSV on stdout.
    Export {
        #[arg(long)]
        account: String,
        /// Only contacts in this group.
        #[arg(long, value_name = "CODE")]
        group: Option<String>,
    },
}

pub async fn contacts(config: Config, cmd: ContactsCommand) -> anyhow::Result<()> {
    let store = open_store(&config.database_url).await?;
    match cmd {
        ContactsCommand::Import { file, account } => {
            let account = find_account(store.as_ref(), &account).await?;
            let size = std::fs::metadata(&file)
                .with_context(|| format!("reading {}", file.display()))?
                .len();
            let bar = ProgressBar::new(size).with_style(
                ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg} ({elapsed})")
                    .expect("valid template"),
            );
            let progress_bar = bar.clone();
            let progress = Arc::new(move |bytes: u64, rows: u64| {
                progress_bar.set_position(bytes);
                progress_bar.set_message(format!("{rows} rows"));
            });
            let started = std::time::Instant::now();
            let report = import_file(
                store.clone(),
                account.id,
                config.default_region,
                file,
                Some(progress),
            )
            .await;
            bar.finish_and_clear();
            let report = report?;
            let mut err = std::io::stderr().lock();
            for r in &report.rejected {
                writeln!(err, "line {} ({}): {}", r.line, r.field, r.reason)?;
            }
            if report.rejected_count > report.rejected.len() as u64 {
                writeln!(
                    err,
                    "… and {} more rejected rows",
                    report.rejected_count - report.rejected.len() as u64
                )?;
            }
            writeln!(
                err,
                "{} rows in {:.1}s: {} created, {} updated, {} unchanged, {} rejected",
                report.rows,
                started.elapsed().as_secs_f64(),
                report.created,
                report.updated,
                report.unchanged,
                report.rejected_count
            )?;
        }
        ContactsCommand::Export { account, group } => {
            let account = find_account(store.as_ref(), &account).await?;
            let group = group
                .map(|g| GroupCode::parse(&g))
                .transpose()
                .context("--group")?;
            if let Some(code) = &group {
                store
                    .group_by_code(account.id, code)
                    .await
                    .with_context(|| format!("group {code}"))?;
            }
            let mut stream = Box::pin(export_stream(store.clone(), account.id, group));
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            while let Some(chunk) = stream.next().await {
                out.write_all(&chunk?)?;
            }
            out.flush()?;
        }
    }
    Ok(())
}
