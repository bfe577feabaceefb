//! `bote account …`, `bote user …`, `bote token …`

use anyhow::{Context, bail};
use bote_domain::{AccountKind, PhoneNumber, TokenId, TokenScope, UserRole};
use bote_store::{Store, StoreError};
use clap::Subcommand;

use crate::accounts::{add_user, create_account, create_token};
use crate::auth::{generate_password, hash_token};
use crate::config::Config;
use crate::store_open::open_store;

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account. Prints its id.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "business", value_parser = parse_kind)]
        kind: AccountKind,
        /// The mobile number a test account may send to (required for --kind test, R5).
        #[arg(long, value_name = "NUMBER")]
        verified_number: Option<String>,
        /// The account's IANA time zone (default: the server's `default_time_zone`).
        #[arg(long, value_name = "ZONE", value_parser = crate::sending::parse_time_zone)]
        time_zone: Option<chrono_tz::Tz>,
    },
    /// List accounts, one per line: id, name, kind, trial end, own time zone.
    List,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. Prints the generated password when --password is not given.
    Add {
        /// The account the user belongs to (not with --account-manager).
        #[arg(long, required_unless_present = "account_manager")]
        account: Option<String>,
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "member", value_parser = parse_role)]
        role: UserRole,
        /// Make a platform account manager, who belongs to no account.
        #[arg(long, conflicts_with_all = ["account", "role"])]
        account_manager: bool,
        /// At least 8 characters; generated and printed when absent.
        #[arg(long)]
        password: Option<String>,
        /// The user's own email address (an owner gets the account's emails there).
        #[arg(long)]
        email: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token. Prints only the token (shown once).
    Create {
        #[arg(long)]
        account: String,
        #[arg(long, default_value = "full", value_parser = parse_scope)]
        scope: TokenScope,
        /// A label to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// Revoke a token, given the token itself or its id.
    Revoke {
        #[arg(long)]
        account: String,
        #[arg(value_name = "TOKEN_OR_ID")]
        token: String,
    },
    /// List the account's tokens: id, prefix, scope, name, state.
    List {
        #[arg(long)]
        account: String,
    },
}

fn parse_kind(s: &str) -> Result<AccountKind, String> {
    s.parse()
        .map_err(|e: bote_domain::UnknownValue| e.to_string())
}
fn parse_role(s: &str) -> Result<UserRole, String> {
    match s.parse() {
        Ok(UserRole::AccountManager) => Err("use --account-manager for account managers".into()),
        Ok(r) => Ok(r),
        Err(e) => Err(e.to_string()),
    }
}
fn parse_scope(s: &str) -> Result<TokenScope, String> {
    s.parse()
        .map_err(|e: bote_domain::UnknownValue| e.to_string())
}

pub(super) async fn find_account(
    store: &dyn Store,
    name: &str,
) -> anyhow::Result<bote_store::Account> {
    match store.account_by_name(name).await {
        Err(StoreError::NotFound(_)) => {
            bail!("no account named '{name}' (see `bote account list`)")
        }
        other => other.context("looking up the account"),
    }
}

pub async fn account(config: Config, cmd: AccountCommand) -> anyhow::Result<()> {
    let store = open_store(&config.database_url).await?;
    match cmd {
        AccountCommand::Create {
            name,
            kind,
            verified_number,
            time_zone,
        } => {
            let number = verified_number
                .map(|n| PhoneNumber::parse(&n, config.default_region))
                .transpose()
                .context("--verified-number")?;
            let account = create_account(store.as_ref(), &name, kind, number, time_zone).await?;
            println!("{}", account.id);
        }
        AccountCommand::List => {
            for a in store.list_accounts().await? {
                let trial = a
                    .trial_ends_at
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default();
                let zone = a.time_zone.map(|z| z.name()).unwrap_or_default();
                println!("{}\t{}\t{}\t{}\t{}", a.id, a.name, a.kind, trial, zone);
            }
        }
    }
    Ok(())
}

pub async fn user(config: Config, cmd: UserCommand) -> anyhow::Result<()> {
    let store = open_store(&config.database_url).await?;
    let UserCommand::Add {
        account,
        username,
        role,
        account_manager,
        password,
        email,
    } = cmd;
    let (account_id, role) = if account_manager {
        (None, UserRole::AccountManager)
    } else {
        let name = account.context("--account is required")?;
        (Some(find_account(store.as_ref(), &name).await?.id), role)
    };
    let generated = password.is_none();
    let password = password.unwrap_or_else(generate_password);
    let user = add_user(
        store.as_ref(),
        account_id,
        &username,
        password.clone(),
        role,
        email.as_deref(),
    )
    .await?;
    if generated {
        println!("{password}");
    }
    eprintln!("added {} '{}' (id {})", user.role, user.username, user.id);
    Ok(())
}

pub async fn token(config: Config, cmd: TokenCommand) -> anyhow::Result<()> {
    let store = open_store(&config.database_url).await?;
    match cmd {
        TokenCommand::Create {
            account,
            scope,
            name,
        } => {
            let account = find_account(store.as_ref(), &account).await?;
            let (_, secret) = create_token(store.as_ref(), account.id, &name, scope).await?;
            println!("{secret}");
        }
        TokenCommand::Revoke { account, token } => {
            let account = find_account(store.as_ref(), &account).await?;
            let id = match token.parse::<i64>() {
                Ok(id) => TokenId(id),
                Err(_) => match store.token_by_hash(&hash_token(token.trim())).await {
                    Ok(t) => t.id,
                    Err(StoreError::NotFound(_)) => bail!("no such token"),
                    Err(e) => return Err(e.into()),
                },
            };
            let revoked = match store.revoke_token(account.id, id).await {
                Err(StoreError::NotFound(_)) => {
                    bail!("account '{}' has no token {id}", account.name)
                }
                other => other?,
            };
            eprintln!("revoked token {} ({})", revoked.id, revoked.prefix);
        }
        TokenCommand::List { account } => {
            let account = find_account(store.as_ref(), &account).await?;
            for t in store.list_tokens(account.id).await? {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{}\t{}…\t{}\t{}\t{}",
                    t.id, t.prefix, t.scope, t.name, state
                );
            }
        }
    }
    Ok(())
}
