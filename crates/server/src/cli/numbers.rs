//! `bote number` (business numbers) and `bote sandbox inbound` (a message from a simulated
//! handset, through the same inbound pipeline as a provider's).

use anyhow::{Context, bail};
use bote_domain::{ChannelKind, PhoneNumber};
use bote_store::StoreError;
use clap::{ArgGroup, Args, Subcommand};

use super::accounts::find_account;
use crate::config::Config;
use crate::inbound::{normalise_to, receive, sandbox_message};
use crate::store_open::open_store;

#[derive(Debug, Subcommand)]
pub enum NumberCommand {
    /// Give an account a business number: an SMS number or short code, or a WhatsApp number.
    #[command(group(ArgGroup::new("number").required(true).args(["sms", "whatsapp"])))]
    Add {
        #[arg(long, value_name = "NAME")]
        account: String,
        /// SMS number (+43…) or short code (digits).
        #[arg(long, value_name = "NUMBER")]
        sms: Option<String>,
        /// WhatsApp business number (+43…).
        #[arg(long, value_name = "NUMBER")]
        whatsapp: Option<String>,
        /// The provider's id of the number (WhatsApp Cloud API: the phone number id).
        #[arg(long, value_name = "ID")]
        provider_ref: Option<String>,
    },
    /// List business numbers: tab-separated id, account, channel, number, provider id.
    List {
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// A message from a simulated handset to a business number, as if a customer sent it.
    Inbound(InboundArgs),
}

#[derive(Debug, Args)]
pub struct InboundArgs {
    /// `sms` or `whatsapp`.
    #[arg(long)]
    channel: ChannelKind,
    /// The handset's number.
    #[arg(long, value_name = "NUMBER")]
    from: String,
    /// The business number it is sent to.
    #[arg(long, value_name = "NUMBER")]
    to: String,
    #[arg(long)]
    text: String,
}

pub async fn number(config: Config, cmd: NumberCommand) -> anyhow::Result<()> {
    let store = open_store(&config.database_url).await?;
    match cmd {
        NumberCommand::Add {
            account,
            sms,
            whatsapp,
            provider_ref,
        } => {
            let account = find_account(store.as_ref(), &account).await?;
            let (channel, raw) = match (sms, whatsapp) {
                (Some(n), None) => (ChannelKind::Sms, n),
                (None, Some(n)) => (ChannelKind::Whatsapp, n),
                _ => bail!("give one of --sms or --whatsapp"),
            };
            let number = business_number(channel, &raw, &config)?;
            match store
                .add_business_number(account.id, channel, &number, provider_ref.as_deref())
                .await
            {
                Ok(added) => println!("{}", added.id),
                Err(StoreError::Conflict { .. }) => {
                    bail!("{channel} number {number} already belongs to an account")
                }
                Err(e) => return Err(e).context("adding the number"),
            }
        }
        NumberCommand::List { account } => {
            let account = match account {
                Some(name) => Some(find_account(store.as_ref(), &name).await?.id),
                None => None,
            };
            for n in store.business_numbers(account).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    n.id,
                    n.account.0,
                    n.channel,
                    n.number,
                    n.provider_ref.unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}

/// A phone number in E.164; for SMS also a short code of 3 to 7 digits.
fn business_number(channel: ChannelKind, raw: &str, config: &Config) -> anyhow::Result<String> {
    let trimmed = raw.trim();
    let short_code =
        (3..=7).contains(&trimmed.len()) && trimmed.chars().all(|c| c.is_ascii_digit());
    if channel == ChannelKind::Sms && short_code {
        return Ok(trimmed.to_owned());
    }
    let number = PhoneNumber::parse(trimmed, config.default_region)
        .with_context(|| format!("'{raw}' is not a valid phone number"))?;
    Ok(number.as_str().to_owned())
}

pub async fn sandbox(config: Config, cmd: SandboxCommand) -> anyhow::Result<()> {
    let SandboxCommand::Inbound(args) = cmd;
    let store = open_store(&config.database_url).await?;
    let from = PhoneNumber::parse(&args.from, config.default_region)
        .with_context(|| format!("--from: '{}' is not a valid phone number", args.from))?;
    let to = normalise_to(&args.to);
    let owned = store.business_numbers(None).await?;
    if !owned
        .iter()
        .any(|n| n.channel == args.channel && n.number == to)
    {
        bail!(
            "--to: {to} is no {} business number of any account (`bote number add`)",
            args.channel
        );
    }
    let record = receive(
        store.as_ref(),
        sandbox_message(args.channel, &from, to, args.text),
    )
    .await?;
    println!("{}", record.id);
    Ok(())
}
