//! Configuration: built-in defaults → optional TOML file → `BOTE_*` environment → flags,
//! validated once at start. Errors name the key; secrets never reach a log line.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, bail};
use bote_domain::Region;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::connections::{self, SmppSetting};
pub use crate::connections::{SmppConnection, parse_smpp_urls};

/// The keys a file or the environment may set. Environment variables are these names in
/// upper case with the `BOTE_` prefix (`BOTE_DATABASE_URL`).
const KEYS: &[&str] = &[
    "listen",
    "database_url",
    "default_region",
    "default_time_zone",
    "max_body_bytes",
    "max_import_bytes",
    "smpp",
    "sandbox_delivery_delay_ms",
    "sandbox_failure_share",
    "callback_secret",
    "dispatch_lease_ms",
    "whatsapp_api_base",
    "whatsapp_api_version",
    "packages_small_cap",
    "packages_medium_cap",
    "packages_large_cap",
];

/// Configuration as read, before validation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    listen: String,
    database_url: String,
    default_region: String,
    default_time_zone: String,
    max_body_bytes: usize,
    max_import_bytes: u64,
    sandbox_delivery_delay_ms: u64,
    sandbox_failure_share: f64,
    callback_secret: Option<String>,
    dispatch_lease_ms: u64,
    whatsapp_api_base: String,
    whatsapp_api_version: String,
    smpp: SmppSetting,
    packages: RawPackages,
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
            database_url: "sqlite://bote.db".into(),
            default_region: "AT".into(),
            default_time_zone: "Europe/Vienna".into(),
            max_body_bytes: 2 * 1024 * 1024,
            max_import_bytes: 2 * 1024 * 1024 * 1024,
            sandbox_delivery_delay_ms: 500,
            sandbox_failure_share: 0.0,
            callback_secret: None,
            dispatch_lease_ms: 60_000,
            whatsapp_api_base: "https://graph.facebook.com".into(),
            whatsapp_api_version: "v21.0".into(),
            smpp: SmppSetting::default(),
            packages: RawPackages::default(),
        }
    }
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: DatabaseUrl,
    /// Region for numbers written without a country code.
    pub default_region: Region,
    /// Time zone of a sending window that names none (an IANA name like `Europe/Vienna`).
    pub default_time_zone: chrono_tz::Tz,
    /// Largest JSON request body.
    pub max_body_bytes: usize,
    /// Largest CSV upload.
    pub max_import_bytes: u64,
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
    /// Where the WhatsApp Cloud API (Meta's Graph API) answers; a stand-in in tests.
    pub whatsapp_api_base: url::Url,
    /// The Graph API version in request paths, like `v21.0`.
    pub whatsapp_api_version: String,
    /// Opt-in caps of the WhatsApp packages (R2).
    pub packages: crate::addon::PackageCaps,
}

const GENERATED: &str = "generated:";

/// A secret value: never shown by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// A random secret for this run, for when none is configured.
    fn generated() -> Self {
        Self(format!("{GENERATED}{}", crate::auth::generate_password()))
    }

    /// Whether this secret was made up at start rather than configured.
    pub fn is_generated(&self) -> bool {
        self.0.starts_with(GENERATED)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(*****)")
    }
}

/// Values given on the command line; they win over everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<String>,
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
            match key.strip_prefix("packages_") {
                Some(rest) => format!("packages.{rest}").into(),
                None => key.into(),
            }
        }));
        if let Some(listen) = &overrides.listen {
            figment = figment.merge(("listen", listen));
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
            Some(s) => Secret(s),
            None => Secret::generated(),
        };
        let smpp = connections::validate(raw.smpp)?;
        if !(1_000..=3_600_000).contains(&raw.dispatch_lease_ms) {
            bail!(
                "config key `dispatch_lease_ms`: {} is outside 1000 to 3600000 (1 s to 1 h)",
                raw.dispatch_lease_ms
            );
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
        Ok(Config {
            listen,
            database_url,
            default_region,
            default_time_zone,
            max_body_bytes: raw.max_body_bytes,
            max_import_bytes: raw.max_import_bytes,
            sandbox_delivery_delay: std::time::Duration::from_millis(raw.sandbox_delivery_delay_ms),
            sandbox_failure_share: raw.sandbox_failure_share,
            callback_secret,
            smpp,
            dispatch_lease: std::time::Duration::from_millis(raw.dispatch_lease_ms),
            whatsapp_api_base,
            whatsapp_api_version,
            packages,
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
        if key == "database_url" || key == "callback_secret" {
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

/// Where the store lives. Its `Debug` and `Display` hide any password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        let raw = raw.trim();
        if raw.is_empty() {
            bail!("database URL is empty");
        }
        let url = DatabaseUrl(raw.to_owned());
        if url.backend() == Backend::Postgres {
            url::Url::parse(raw).map_err(|e| anyhow::anyhow!("not a valid PostgreSQL URL: {e}"))?;
        } else if let Some(rest) = raw.split_once("://").map(|(scheme, _)| scheme)
            && rest != "sqlite"
        {
            bail!("unsupported database URL scheme '{rest}://'; use sqlite:// or postgres://");
        }
        Ok(url)
    }

    pub fn backend(&self) -> Backend {
        if self.0.starts_with("postgres://") || self.0.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// The URL with its password, for connecting only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("*****"));
                f.write_str(url.as_str())
            }
            _ => f.write_str(&self.0),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawConfig {
        RawConfig::default()
    }

    #[test]
    fn defaults_are_valid() {
        let c = Config::validate(raw()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url.backend(), Backend::Sqlite);
        assert_eq!(c.default_region, Region::AUSTRIA);
        assert_eq!(c.default_time_zone, chrono_tz::Europe::Vienna);
    }

    #[test]
    fn bad_values_name_their_key() {
        let mut r = raw();
        r.listen = "nowhere".into();
        let e = Config::validate(r).unwrap_err().to_string();
        assert!(e.contains("`listen`"), "{e}");

        let mut r = raw();
        r.default_region = "XX".into();
        let e = format!("{:#}", Config::validate(r).unwrap_err());
        assert!(e.contains("`default_region`") && e.contains("XX"), "{e}");

        let mut r = raw();
        r.default_time_zone = "Europe/Wien".into();
        let e = format!("{:#}", Config::validate(r).unwrap_err());
        assert!(
            e.contains("`default_time_zone`") && e.contains("Europe/Wien"),
            "{e}"
        );

        let mut r = raw();
        r.database_url = "mysql://x".into();
        let e = format!("{:#}", Config::validate(r).unwrap_err());
        assert!(e.contains("`database_url`") && e.contains("mysql"), "{e}");
    }

    /// R2: package caps are data, read from `[packages]` and `BOTE_PACKAGES_*`, and
    /// checked.
    #[test]
    fn r2_package_caps_from_file_and_checked() {
        let c = Config::validate(raw()).unwrap();
        assert_eq!(
            c.packages,
            crate::addon::PackageCaps {
                small: 1_000,
                medium: 10_000,
                large: 100_000
            }
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bote.toml");
        std::fs::write(&path, "[packages]\nsmall_cap = 50\n").unwrap();
        let c = Config::load(Some(&path), &Overrides::default()).unwrap();
        assert_eq!(c.packages.small, 50);
        assert_eq!(c.packages.medium, 10_000);
        std::fs::write(&path, "[packages]\nlarge_cap = 0\n").unwrap();
        let e = format!(
            "{:#}",
            Config::load(Some(&path), &Overrides::default()).unwrap_err()
        );
        assert!(e.contains("`packages.large_cap`"), "{e}");
        std::fs::write(&path, "[packages]\nhuge_cap = 1\n").unwrap();
        let e = format!(
            "{:#}",
            Config::load(Some(&path), &Overrides::default()).unwrap_err()
        );
        assert!(e.contains("huge_cap"), "{e}");
    }

    #[test]
    fn whatsapp_api_keys_are_checked() {
        let c = Config::validate(raw()).unwrap();
        let cloud = c.cloud_config();
        assert_eq!(cloud.base_url, "https://graph.facebook.com");
        assert_eq!(cloud.api_version, "v21.0");

        let mut r = raw();
        r.whatsapp_api_base = "http://127.0.0.1:9000/".into();
        r.whatsapp_api_version = "v22".into();
        let c = Config::validate(r).unwrap();
        assert_eq!(c.cloud_config().base_url, "http://127.0.0.1:9000");
        assert_eq!(c.cloud_config().api_version, "v22");

        for base in ["graph.facebook.com", "ftp://x", ""] {
            let mut r = raw();
            r.whatsapp_api_base = base.into();
            let e = format!("{:#}", Config::validate(r).unwrap_err());
            assert!(e.contains("`whatsapp_api_base`"), "{base}: {e}");
        }
        for version in ["21.0", "v", "v21.0.1", "vX"] {
            let mut r = raw();
            r.whatsapp_api_version = version.into();
            let e = format!("{:#}", Config::validate(r).unwrap_err());
            assert!(e.contains("`whatsapp_api_version`"), "{version}: {e}");
        }
    }

    #[test]
    fn passwords_are_hidden() {
        let url = DatabaseUrl::parse("postgres://bote:s3cret@db:5432/bote").unwrap();
        assert_eq!(url.backend(), Backend::Postgres);
        assert!(!format!("{url} {url:?}").contains("s3cret"));
        assert!(url.expose().contains("s3cret"));
    }

    #[test]
    fn file_keys_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bote.toml");
        std::fs::write(&path, "listen = \"0.0.0.0:9000\"\nlisten_port = 3\n").unwrap();
        let e = Config::load(Some(&path), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("listen_port"), "{e}");

        std::fs::write(&path, "listen = \"0.0.0.0:9000\"\n").unwrap();
        let c = Config::load(Some(&path), &Overrides::default()).unwrap();
        assert_eq!(c.listen.port(), 9000);
        let flags = Overrides {
            listen: Some("127.0.0.1:7000".into()),
            ..Default::default()
        };
        assert_eq!(
            Config::load(Some(&path), &flags).unwrap().listen.port(),
            7000
        );

        let missing = dir.path().join("nope.toml");
        assert!(Config::load(Some(&missing), &Overrides::default()).is_err());
    }

    #[test]
    fn smpp_from_tables_strings_and_flags() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bote.toml");
        std::fs::write(
            &path,
            r#"
[[smpp]]
name = "magenta"
url = "smpp://bote:hunter2@smsc1.example:2775?window=64"
routes = ["43676", "+43699"]

[[smpp]]
name = "main"
url = "smpps://bote:hunter2@smsc2.example"
default = true
"#,
        )
        .unwrap();
        let c = Config::load(Some(&path), &Overrides::default()).unwrap();
        assert_eq!(c.smpp.len(), 2);
        assert_eq!(c.smpp[0].name, "magenta");
        assert_eq!(c.smpp[0].routes, ["43676", "43699"]);
        assert!(!c.smpp[0].default);
        assert_eq!(c.smpp[0].config.window, 64);
        assert_eq!(c.smpp[1].name, "main");
        assert!(c.smpp[1].default && c.smpp[1].config.tls);
        assert!(!format!("{c:?}").contains("hunter2"));

        // Plain strings, in a list or one string.
        std::fs::write(
            &path,
            "smpp = [\"smpp://a:pw@h1?name=one\", \"smpp://b:pw@h2?routes=49\"]\n",
        )
        .unwrap();
        let c = Config::load(Some(&path), &Overrides::default()).unwrap();
        let names: Vec<&str> = c.smpp.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["one", "smpp-2"]);
        assert!(c.smpp[0].default);
        std::fs::write(&path, "smpp = \"smpp://a:pw@h1, smpp://b:pw@h2\"\n").unwrap();
        assert_eq!(
            Config::load(Some(&path), &Overrides::default())
                .unwrap()
                .smpp
                .len(),
            2
        );

        // `--smpp` replaces the file's list.
        let flags = Overrides {
            smpp: vec![
                "smpp://f:pw@flag1?name=f1".into(),
                "smpp://f:pw@flag2?name=f2&default=1 smpp://f:pw@flag3".into(),
            ],
            ..Default::default()
        };
        let c = Config::load(Some(&path), &flags).unwrap();
        let names: Vec<&str> = c.smpp.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["f1", "f2", "smpp-3"]);
        assert!(c.smpp[1].default && !c.smpp[0].default);

        // None: the sandbox stays.
        assert!(Config::validate(raw()).unwrap().smpp.is_empty());
    }

    #[test]
    fn bad_smpp_names_the_key_and_hides_the_password() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bote.toml");
        for text in [
            "[[smpp]]\nurl = \"smpp://bote:hunter2@h?window=0\"\n",
            "[[smpp]]\nurl = \"smpp://bote:hunter2@h\"\nport = 3\n",
            "[[smpp]]\nurl = \"smpp://bote:hunter2@h\"\nroutes = [\"abc\"]\n",
            "smpp = 3\n",
            "smpp = \"smtp://bote:hunter2@h\"\n",
        ] {
            std::fs::write(&path, text).unwrap();
            let e = format!(
                "{:#}",
                Config::load(Some(&path), &Overrides::default()).unwrap_err()
            );
            assert!(e.contains("`smpp`"), "{text}: {e}");
            assert!(!e.contains("hunter2"), "{text}: {e}");
        }
        let flags = Overrides {
            smpp: vec!["smpp://bote:hunter2@h:99999".into()],
            ..Default::default()
        };
        let e = format!("{:#}", Config::load(None, &flags).unwrap_err());
        assert!(e.contains("`smpp`") && !e.contains("hunter2"), "{e}");
    }
}
