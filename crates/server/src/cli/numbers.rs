//! `bote number` (business numbers) and `bote sandbox inbound` (a message from a simulated
//! handset, through the same inbound pipeline as a provider's).

use anyhow::{Context, bail};
use bote_domain::{ChannelKind, PhoneNumber};
use bote_store::StoreError;
use clap::{ArgGroup, Args, Subcommand};

use super::accounts::find_account;
use crate::config::Config;
use crate::inbound::{normalise_to, receive, sandbox_message};
use crate::numbers::{NumberError, NumberInput, register_number};
use crate::store_open::open_store;

#[derive(Debug, Subcommand)]
pub enum NumberCommand {
    /// Give an account a business number: an SMS number or short code, a sandbox WhatsApp
    /// number (`--whatsapp +43…`), or a WhatsApp Cloud API number (`--whatsapp
    /// --phone-number-id ID --number +43… --access-token T --app-secret S --verify-token V`).
    #[command(group(ArgGroup::new("kind").required(true).args(["sms", "whatsapp"])))]
    Add {
        #[arg(long, value_name = "NAME")]
        account: String,
        /// SMS number (+43…) or short code (digits).
        #[arg(long, value_name = "NUMBER")]
        sms: Option<String>,
        /// WhatsApp business number (+43…); alone for a Cloud API number given by --number.
        #[arg(long, value_name = "NUMBER", num_args = 0..=1, default_missing_value = "")]
        whatsapp: Option<String>,
        /// The number, where --whatsapp stands alone.
        #[arg(long, value_name = "NUMBER")]
        number: Option<String>,
        /// The provider's id of the number (for Cloud API numbers: --phone-number-id).
        #[arg(long, value_name = "ID")]
        provider_ref: Option<String>,
        /// Cloud API: the number's phone number id (WhatsApp Manager → API setup).
        #[arg(long, value_name = "ID")]
        phone_number_id: Option<String>,
        /// Cloud API: the access token it sends with [or env BOTE_WHATSAPP_ACCESS_TOKEN].
        #[arg(long, value_name = "TOKEN")]
        access_token: Option<String>,
        /// Cloud API: the app secret that signs its webhooks [or env BOTE_WHATSAPP_APP_SECRET].
        #[arg(long, value_name = "SECRET")]
        app_secret: Option<String>,
        /// Cloud API: the webhook verify token [or env BOTE_WHATSAPP_VERIFY_TOKEN].
        #[arg(long, value_name = "TOKEN")]
        verify_token: Option<String>,
        /// Cloud API: messages per second, 1 to 1000 (default 80).
        #[arg(long, value_name = "N")]
        rate: Option<u32>,
    },
    /// List business numbers: tab-separated id, account, channel, number, provider id, and
    /// for WhatsApp numbers `cloud api` or `sandbox`. Never prints credentials.
    List {
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
    },
}

/// Cloud API secrets may come from the environment, so they stay out of shell history;
/// they are read only for a Cloud API number (one given a phone number id).
fn secret_arg(flag: Option<String>, var: &str, cloud: bool) -> Option<String> {
    flag.or_else(|| cloud.then(|| std::env::var(var).ok()).flatten())
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
            number,
            provider_ref,
            phone_number_id,
            access_token,
            app_secret,
            verify_token,
            rate,
        } => {
            let account = find_account(store.as_ref(), &account).await?;
            let (channel, raw) = match (sms, whatsapp, number) {
                (Some(n), None, None) => (ChannelKind::Sms, n),
                (None, Some(n), None) if !n.is_empty() => (ChannelKind::Whatsapp, n),
                (None, Some(n), Some(m)) if n.is_empty() => (ChannelKind::Whatsapp, m),
                (None, Some(_), None) => bail!("--whatsapp: give the number, or --number"),
                (_, _, Some(_)) => bail!("--number goes with a bare --whatsapp"),
                _ => bail!("give one of --sms or --whatsapp"),
            };
            let cloud = phone_number_id.is_some();
            let input = NumberInput {
                channel: Some(channel),
                number: raw,
                provider_ref,
                phone_number_id,
                access_token: secret_arg(access_token, "BOTE_WHATSAPP_ACCESS_TOKEN", cloud),
                app_secret: secret_arg(app_secret, "BOTE_WHATSAPP_APP_SECRET", cloud),
                verify_token: secret_arg(verify_token, "BOTE_WHATSAPP_VERIFY_TOKEN", cloud),
                messages_per_second: rate,
            };
            match register_number(store.as_ref(), account.id, input, config.default_region).await {
                Ok(added) => println!("{}", added.id),
                Err(NumberError::Invalid { field, message, .. }) => {
                    let flag = match field {
                        "messages_per_second" => "rate",
                        "channel" => "whatsapp",
                        other => other,
                    };
                    let rest = message.strip_prefix(field).unwrap_or(&message);
                    bail!("--{}{rest}", flag.replace('_', "-"))
                }
                Err(NumberError::Store(StoreError::Conflict { what, value })) => {
                    if what == "business number" {
                        bail!("{channel} number {value} already belongs to an account")
                    }
                    bail!("{what} {value} already belongs to a WhatsApp number")
                }
                Err(NumberError::Store(e)) => return Err(e).context("adding the number"),
            }
        }
        NumberCommand::List { account } => {
            let account = match account {
                Some(name) => Some(find_account(store.as_ref(), &name).await?.id),
                None => None,
            };
            for n in store.business_numbers(account).await? {
                let kind = match (n.channel, n.cloud_api) {
                    (ChannelKind::Whatsapp, true) => "cloud api",
                    (ChannelKind::Whatsapp, false) => "sandbox",
                    (ChannelKind::Sms, _) => "-",
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{kind}",
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
        &config.packages,
        sandbox_message(args.channel, &from, to, args.text),
    )
    .await?;
    println!("{}", record.id);
    Ok(())
}
