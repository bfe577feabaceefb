//! Configuration: built-in defaults → optional TOML file → `BOTE_*` environment → flags,
//! validated once at start. Errors name the key; secrets never reach a log line.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, bail};
use bote_domain::Region;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::connections::{self, SmppSetting};
pub use crate::connections::{SmppConnection, parse_smpp_urls};
pub use database_url::{Backend, DatabaseUrl};
pub use role::Role;
pub use secret::{Secret, is_generated};

pub use smtp::{SmtpConfig, SmtpTls};

mod database_url;
mod role;
mod secret;
mod smtp;
#[cfg(test)]
mod tests;

/// The keys a file or the environment may set. Environment variables are these names in
/// upper case with the `BOTE_` prefix (`BOTE_DATABASE_URL`).
const KEYS: &[&str] = &[
    "listen",
    "role",
    "database_url",
    "default_region",
    "default_time_zone",
    "max_body_bytes",
    "max_import_bytes",
    "media_dir",
    "smpp",
    "sandbox_delivery_delay_ms",
    "sandbox_failure_share",
    "callback_secret",
    "dispatch_lease_ms",
    "api_requests_per_second",
    "auth_failures_per_minute",
    "whatsapp_api_base",
    "whatsapp_api_version",
    "packages_small_cap",
    "packages_medium_cap",
    "packages_large_cap",
    "public_url",
    "smtp_host",
    "smtp_port",
    "smtp_tls",
    "smtp_user",
    "smtp_password",
    "smtp_from",
];

/// Configuration as read, before validation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    listen: String,
    role: String,
    database_url: String,
    default_region: String,
    default_time_zone: String,
    max_body_bytes: usize,
    max_import_bytes: u64,
    media_dir: String,
    sandbox_delivery_delay_ms: u64,
    sandbox_failure_share: f64,
    callback_secret: Option<String>,
    dispatch_lease_ms: u64,
    api_requests_per_second: u32,
    auth_failures_per_minute: u32,
    whatsapp_api_base: String,
    whatsapp_api_version: String,
    smpp: SmppSetting,
    packages: RawPackages,
    public_url: Option<String>,
    smtp: smtp::RawSmtp,
}

/// `[packages]`: opt-in caps per WhatsApp package (R2).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackages {
    small_cap: u64,
    medium_cap: u64,
    large_cap: u64,
}

impl Default for RawPackages {
    fn default() -> Self {
        Self {
            small_cap: 1_000,
            medium_cap: 10_000,
            large_cap: 100_000,
        }
    }
}

impl Default for RawConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            role: "all".into(),
            database_url: "sqlite://bote.db".into(),
            default_region: "AT".into(),
            default_time_zone: "Europe/Vienna".into(),
            max_body_bytes: 2 * 1024 * 1024,
            max_import_bytes: 2 * 1024 * 1024 * 1024,
            media_dir: "media".into(),
            sandbox_delivery_delay_ms: 500,
            sandbox_failure_share: 0.0,
            callback_secret: None,
            dispatch_lease_ms: 60_000,
            api_requests_per_second: 1_000,
            auth_failures_per_minute: 30,
            whatsapp_api_base: "https://graph.facebook.com".into(),
            whatsapp_api_version: "v21.0".into(),
            smpp: SmppSetting::default(),
            packages: RawPackages::default(),
            public_url: None,
            smtp: smtp::RawSmtp::default(),
        }
    }
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// What `bote serve` runs: the HTTP API, the workers, or both.
    pub role: Role,
    pub database_url: DatabaseUrl,
    /// Region for numbers written without a country code.
    pub default_region: Region,
    /// Time zone of a sending window that names none (an IANA name like `Europe/Vienna`).
    pub default_time_zone: chrono_tz::Tz,
    /// Largest JSON request body.
    pub max_body_bytes: usize,
    /// Largest CSV upload.
    pub max_import_bytes: u64,
    /// Where media uploaded for WhatsApp sends are kept (R18), served at `/media/{token}`.
    pub media_dir: std::path::PathBuf,
    /// The built-in sandbox SMS channel: delay before its delivery reports.
    pub sandbox_delivery_delay: std::time::Duration,
    /// Share of sandbox messages reported undelivered, 0 to 1.
    pub sandbox_failure_share: f64,
    /// HMAC key of the `X-Bote-Signature` header on callbacks.
    pub callback_secret: Secret,
    /// SMSC connections; none means SMS go to the sandbox channel.
    pub smpp: Vec<SmppConnection>,
    /// How long a dispatcher's claim on a message holds. After a crash its messages are
    /// sent again once this has passed; it must exceed the slowest send attempt.
    pub dispatch_lease: std::time::Duration,
    /// API requests (JSON and websms) an account may make per second; 0 = no limit.
    pub api_requests_per_second: u32,
    /// Wrong API credentials from one address per minute before it is held off (≥ 1).
    pub auth_failures_per_minute: u32,
    /// Where the WhatsApp Cloud API (Meta's Graph API) answers; a stand-in in tests.
    pub whatsapp_api_base: url::Url,
    /// The Graph API version in request paths, like `v21.0`.
    pub whatsapp_api_version: String,
    /// Opt-in caps of the WhatsApp packages (R2).
    pub packages: crate::addon::PackageCaps,
    /// bote's address as browsers reach it (`https://bote.example.com`), for links that
    /// leave the request: widget links in emails. Unset: taken from each request's host.
    pub public_url: Option<url::Url>,
    /// Where emails go out; `None`: bote sends none.
    pub smtp: Option<SmtpConfig>,
}

/// Values given on the command line; they win over everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    /// `all`, `api` or `worker` (`bote serve --api` / `--worker`).
    pub role: Option<String>,
    pub database_url: Option<String>,
    /// `--smpp URL`, repeatable; each may hold several URLs. Replaces the `smpp` key.
    pub smpp: Vec<String>,
}

impl Config {
    /// Reads defaults, then `file` (which must exist when given), then `BOTE_*` variables,
    /// then `overrides`.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(RawConfig::default()));
        if let Some(path) = file {
            if !path.is_file() {
                bail!("config file {} does not exist", path.display());
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        // `BOTE_PACKAGES_SMALL_CAP` sets `packages.small_cap`.
        figment = figment.merge(Env::prefixed("BOTE_").only(KEYS).map(|key| {
            let key = key.as_str().to_ascii_lowercase();
            if let Some(rest) = key.strip_prefix("packages_") {
                format!("packages.{rest}").into()
            } else if let Some(rest) = key.strip_prefix("smtp_") {
                format!("smtp.{rest}").into()
            } else {
                key.into()
            }
        }));
        if let Some(listen) = &overrides.listen {
            figment = figment.merge(("listen", listen));
        }
        if let Some(role) = &overrides.role {
            figment = figment.merge(("role", role));
        }
        if let Some(url) = &overrides.database_url {
            figment = figment.merge(("database_url", url));
        }
        if !overrides.smpp.is_empty() {
            figment = figment.merge(("smpp", overrides.smpp.join(" ")));
        }
        let raw: RawConfig = figment
            .extract()
            .map_err(|e| anyhow::anyhow!(redact_error(e)))?;
        Self::validate(raw)
    }

    fn validate(raw: RawConfig) -> anyhow::Result<Config> {
        let listen = raw.listen.parse().with_context(|| {
            format!(
                "config key `listen`: '{}' is not an address like 127.0.0.1:8080",
                raw.listen
            )
        })?;
        let role = Role::parse(&raw.role)?;
        let database_url =
            DatabaseUrl::parse(&raw.database_url).context("config key `database_url`")?;
        let default_region = raw
            .default_region
            .parse()
            .map_err(|e| anyhow::anyhow!("config key `default_region`: {e}"))?;
        let default_time_zone = crate::sending::parse_time_zone(&raw.default_time_zone)
            .map_err(|e| anyhow::anyhow!("config key `default_time_zone`: {e}"))?;
        if raw.max_body_bytes < 1024 {
            bail!(
                "config key `max_body_bytes`: {} is below the minimum of 1024",
                raw.max_body_bytes
            );
        }
        if !(0.0..=1.0).contains(&raw.sandbox_failure_share) {
            bail!(
                "config key `sandbox_failure_share`: {} is not between 0 and 1",
                raw.sandbox_failure_share
            );
        }
        let callback_secret = match raw.callback_secret {
            Some(s) if s.len() < 16 => {
                bail!("config key `callback_secret`: use at least 16 characters")
            }
            Some(s) => Secret::new(s),
            None => secret::generated(),
        };
        let smpp = connections::validate(raw.smpp)?;
        if !(1_000..=3_600_000).contains(&raw.dispatch_lease_ms) {
            bail!(
                "config key `dispatch_lease_ms`: {} is outside 1000 to 3600000 (1 s to 1 h)",
                raw.dispatch_lease_ms
            );
        }
        if raw.auth_failures_per_minute == 0 {
            bail!("config key `auth_failures_per_minute`: must be at least 1");
        }
        let whatsapp_api_base = url::Url::parse(raw.whatsapp_api_base.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .with_context(|| {
                format!(
                    "config key `whatsapp_api_base`: '{}' is not an http(s) URL like https://graph.facebook.com",
                    raw.whatsapp_api_base
                )
            })?;
        let whatsapp_api_version = raw.whatsapp_api_version.trim().to_owned();
        if !is_api_version(&whatsapp_api_version) {
            bail!(
                "config key `whatsapp_api_version`: '{}' is not a Graph API version like v21.0",
                raw.whatsapp_api_version
            );
        }
        let packages = validate_packages(&raw.packages)?;
        let public_url = raw
            .public_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| {
                url::Url::parse(u)
                    .ok()
                    .filter(|p| matches!(p.scheme(), "http" | "https") && p.has_host())
                    .with_context(|| {
                        format!(
                            "config key `public_url`: '{u}' is not an http(s) URL like https://bote.example.com"
                        )
                    })
            })
            .transpose()?;
        Ok(Config {
            listen,
            role,
            database_url,
            default_region,
            default_time_zone,
            max_body_bytes: raw.max_body_bytes,
            max_import_bytes: raw.max_import_bytes,
            media_dir: raw.media_dir.into(),
            sandbox_delivery_delay: std::time::Duration::from_millis(raw.sandbox_delivery_delay_ms),
            sandbox_failure_share: raw.sandbox_failure_share,
            callback_secret,
            smpp,
            dispatch_lease: std::time::Duration::from_millis(raw.dispatch_lease_ms),
            api_requests_per_second: raw.api_requests_per_second,
            auth_failures_per_minute: raw.auth_failures_per_minute,
            whatsapp_api_base,
            whatsapp_api_version,
            packages,
            public_url,
            smtp: smtp::validate(raw.smtp)?,
        })
    }

    /// What the WhatsApp Cloud API client needs.
    pub fn cloud_config(&self) -> bote_channels::whatsapp_cloud::CloudConfig {
        bote_channels::whatsapp_cloud::CloudConfig {
            base_url: self
                .whatsapp_api_base
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
            api_version: self.whatsapp_api_version.clone(),
            ..Default::default()
        }
    }
}

/// `v` and a version number: `v21.0`, `v22`.
fn is_api_version(v: &str) -> bool {
    v.strip_prefix('v').is_some_and(|n| {
        !n.is_empty()
            && n.split('.').count() <= 2
            && n.split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    })
}

fn validate_packages(raw: &RawPackages) -> anyhow::Result<crate::addon::PackageCaps> {
    for (key, value) in [
        ("small_cap", raw.small_cap),
        ("medium_cap", raw.medium_cap),
        ("large_cap", raw.large_cap),
    ] {
        if value == 0 {
            bail!("config key `packages.{key}`: must be greater than 0");
        }
    }
    Ok(crate::addon::PackageCaps {
        small: raw.small_cap,
        medium: raw.medium_cap,
        large: raw.large_cap,
    })
}

/// Figment errors quote offending values; a database URL may hold a password.
fn redact_error(e: figment::Error) -> String {
    let mut lines = Vec::new();
    for err in e {
        let key = err.path.join(".");
        let mut text = err.kind.to_string();
        if key == "database_url" || key == "callback_secret" || key == "smtp.password" {
            text = "invalid value".into();
        }
        if key == "smpp" || key.starts_with("smpp.") {
            text = "expected a string of smpp:// URLs, or a list of URLs and tables with \
                    `url` and optional `name`, `routes` and `default`"
                .into();
        }
        let source = err
            .metadata
            .as_ref()
            .map(|m| format!(" (from {})", m.name))
            .unwrap_or_default();
        if key.is_empty() {
            lines.push(format!("configuration: {text}{source}"));
        } else {
            lines.push(format!("config key `{key}`: {text}{source}"));
        }
    }
    lines.join("\n")
}
