//! `bote whatsapp`: account managers activate, remove and inspect the WhatsApp add-on
//! (R1, R3, R4). The command line has the database, so it acts as an account manager.

use anyhow::Context;
use bote_domain::Package;
use bote_store::StoreError;
use clap::Subcommand;

use super::accounts::find_account;
use crate::addon::{ActivateError, activate, whatsapp_status};
use crate::config::Config;
use crate::store_open::open_store;

#[derive(Debug, Subcommand)]
pub enum WhatsappCommand {
    /// Activate WhatsApp for an account, or change its package. It stays pending, with an
    /// expected date, until `bote number add --whatsapp` registers its number.
    Activate {
        #[arg(long, value_name = "NAME")]
        account: String,
        /// `small`, `medium` or `large`.
        #[arg(long)]
        package: Package,
        /// Accept that moving up from small means every recipient opts in again (R3).
        #[arg(long)]
        reset_opt_ins: bool,
    },
    /// Remove the WhatsApp add-on of an account.
    Deactivate {
        #[arg(long, value_name = "NAME")]
        account: String,
    },
    /// Tab-separated account, package, state, expected date, cap, WhatsApp numbers; all
    /// accounts with an add-on, or the one named.
    Status {
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
    },
}

pub async fn whatsapp(config: Config, cmd: WhatsappCommand) -> anyhow::Result<()> {
    let store = open_store(&config.database_url).await?;
    match cmd {
        WhatsappCommand::Activate {
            account,
            package,
            reset_opt_ins,
        } => {
            let account = find_account(store.as_ref(), &account).await?;
            let done = match activate(
                store.as_ref(),
                config.default_time_zone,
                account.id,
                package,
                None,
                reset_opt_ins,
            )
            .await
            {
                Ok(done) => done,
                Err(ActivateError::Store(e)) => {
                    return Err(e).context("activating WhatsApp");
                }
                Err(e) => anyhow::bail!("{e}"),
            };
            let addon = done.addon;
            if !done.changed {
                eprintln!("{} already has the {} package", account.name, addon.package);
            }
            if done.opt_ins_must_reset {
                eprintln!(
                    "moved up from small: every recipient of {} must opt in again (R3)",
                    account.name
                );
            }
            println!(
                "{}\t{}\t{}",
                addon.package,
                state_text(addon.state),
                addon.expected_on
            );
        }
        WhatsappCommand::Deactivate { account } => {
            let account = find_account(store.as_ref(), &account).await?;
            match store.deactivate_whatsapp(account.id).await {
                Ok(()) => eprintln!("WhatsApp removed from {}", account.name),
                Err(StoreError::NotFound(_)) => {
                    anyhow::bail!("{} has no WhatsApp add-on", account.name)
                }
                Err(e) => return Err(e).context("removing WhatsApp"),
            }
        }
        WhatsappCommand::Status { account } => {
            let accounts = match account {
                Some(name) => vec![find_account(store.as_ref(), &name).await?],
                None => {
                    let with_addon: Vec<_> = store
                        .whatsapp_addons()
                        .await?
                        .into_iter()
                        .map(|a| a.account)
                        .collect();
                    store
                        .list_accounts()
                        .await?
                        .into_iter()
                        .filter(|a| with_addon.contains(&a.id))
                        .collect()
                }
            };
            for account in accounts {
                let s = whatsapp_status(store.as_ref(), &config.packages, account.id).await?;
                let numbers: Vec<&str> = s.numbers.iter().map(|n| n.number.as_str()).collect();
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    account.name,
                    s.package.map(|p| p.as_str()).unwrap_or("-"),
                    serde_json::to_value(s.state)?.as_str().unwrap_or_default(),
                    s.expected_on.map(|d| d.to_string()).unwrap_or("-".into()),
                    s.cap,
                    numbers.join(",")
                );
            }
        }
    }
    Ok(())
}

fn state_text(state: bote_store::AddonState) -> &'static str {
    match state {
        bote_store::AddonState::Pending => "pending",
        bote_store::AddonState::Active => "active",
    }
}
