//! SMPP connections: the `smpp` configuration key (URLs or `[[smpp]]` tables with a route
//! table), and the running connectors with the state the API and the log show.
//!
//! A connection is an `smpp://` / `smpps://` URL (see [`bote_channels::smpp::url`]) that may
//! carry three more query parameters, so that the environment and `--smpp` can say everything
//! a TOML table can: `name=` (default `smpp-N`, N counting from 1), `routes=43676,49`
//! (number prefixes that take this connection) and `default=1` (the connection for numbers
//! no route matches; else the first). Passwords never reach a log line or an error.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::bail;
use bote_channels::shared_slots::SlotSource;
use bote_channels::smpp::{ConnectionState, SmppConfig, SmppConnector};
use bote_channels::{EventSink, SmsChannel, SmsRoutes};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The `smpp` key as read: one string of URLs (environment, flags, or a TOML string) or a
/// list of URLs and tables.
#[derive(Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum SmppSetting {
    /// URLs separated by whitespace or commas.
    Urls(String),
    List(Vec<SmppEntry>),
}

impl Default for SmppSetting {
    fn default() -> Self {
        SmppSetting::List(Vec::new())
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum SmppEntry {
    Url(String),
    Table(SmppTable),
}

/// A `[[smpp]]` table.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SmppTable {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    url: String,
    #[serde(default)]
    routes: Vec<String>,
    #[serde(default)]
    default: bool,
}

// The raw forms hold passwords.
impl fmt::Debug for SmppSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmppSetting(<redacted>)")
    }
}

impl fmt::Debug for SmppEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmppEntry(<redacted>)")
    }
}

/// The sandbox channels' names, which an SMPP connection may not take.
const RESERVED: [&str; 2] = [
    bote_channels::sandbox::SANDBOX_NAME,
    bote_channels::sandbox::SANDBOX_WHATSAPP_NAME,
];

/// One configured SMSC connection. `Debug` hides the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmppConnection {
    /// Names the connection in logs, the API and stored messages (receipts are matched by
    /// it): keep it stable.
    pub name: String,
    pub config: SmppConfig,
    /// Number prefixes (E.164 digits without '+') routed to this connection.
    pub routes: Vec<String>,
    /// Takes every number no route matches.
    pub default: bool,
}

/// Splits URLs separated by whitespace or commas; a comma inside a URL (`routes=43,49`,
/// a password) stays, as only a piece with `://` starts a new URL.
pub fn split_urls(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in s.split(|c: char| c.is_whitespace() || c == ',') {
        match out.last_mut() {
            _ if piece.is_empty() => {}
            Some(last) if !piece.contains("://") => {
                last.push(',');
                last.push_str(piece);
            }
            _ => out.push(piece.to_owned()),
        }
    }
    out
}

/// Parses the URLs of `BOTE_SMPP` / `--smpp` (whitespace or commas between them).
pub fn parse_smpp_urls(s: &str) -> anyhow::Result<Vec<SmppConnection>> {
    validate(SmppSetting::Urls(s.to_owned()))
}

/// What the query parameters beyond the SMPP ones said.
#[derive(Default)]
struct Extras {
    name: Option<String>,
    routes: Vec<String>,
    default: bool,
}

/// Takes `name`, `routes` and `default` out of the query; the rest is for
/// [`SmppConfig::parse`]. Unparseable input is returned as it is, for that to explain.
fn take_extras(raw: &str) -> Result<(String, Extras), String> {
    let Ok(mut url) = url::Url::parse(raw) else {
        return Ok((raw.to_owned(), Extras::default()));
    };
    if url.query().is_none() {
        return Ok((raw.to_owned(), Extras::default()));
    }
    let mut extras = Extras::default();
    let mut rest = Vec::new();
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "name" => extras.name = Some(v.into_owned()),
            "routes" | "route" => extras.routes.extend(
                v.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned),
            ),
            "default" => {
                extras.default = match v.as_ref() {
                    "" | "1" | "true" | "yes" => true,
                    "0" | "false" | "no" => false,
                    other => return Err(format!("bad value '{other}' for default: 1 or 0")),
                }
            }
            _ => rest.push((k.into_owned(), v.into_owned())),
        }
    }
    url.set_query(None);
    if !rest.is_empty() {
        url.query_pairs_mut().extend_pairs(rest);
    }
    Ok((url.to_string(), extras))
}

/// How an error names a connection: its position and its URL without password and query,
/// when the URL parses at all.
fn label(index: usize, raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(u) if u.host_str().is_some() => {
            let user = if u.username().is_empty() {
                String::new()
            } else {
                format!("{}:***@", u.username())
            };
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!(
                "connection {} ({}://{user}{}{port})",
                index + 1,
                u.scheme(),
                u.host_str().unwrap_or_default()
            )
        }
        _ => format!("connection {}", index + 1),
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A route prefix: 1 to 15 digits, an optional leading '+' dropped.
fn route_prefix(p: &str) -> Option<String> {
    let digits = p.trim().trim_start_matches('+');
    (!digits.is_empty() && digits.len() <= 15 && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| digits.to_owned())
}

/// Checks the `smpp` key. Errors start with "config key `smpp`" and never hold a password.
pub(crate) fn validate(setting: SmppSetting) -> anyhow::Result<Vec<SmppConnection>> {
    let entries: Vec<SmppTable> = match setting {
        SmppSetting::Urls(s) => split_urls(&s)
            .into_iter()
            .map(|url| SmppTable {
                name: None,
                url,
                routes: Vec::new(),
                default: false,
            })
            .collect(),
        SmppSetting::List(list) => list
            .into_iter()
            .flat_map(|e| match e {
                SmppEntry::Url(s) => split_urls(&s)
                    .into_iter()
                    .map(|url| SmppTable {
                        name: None,
                        url,
                        routes: Vec::new(),
                        default: false,
                    })
                    .collect(),
                SmppEntry::Table(t) => vec![t],
            })
            .collect(),
    };
    let mut out: Vec<SmppConnection> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        let at = label(i, &entry.url);
        let (url, extras) =
            take_extras(&entry.url).map_err(|e| anyhow::anyhow!("config key `smpp`: {at}: {e}"))?;
        let config =
            SmppConfig::parse(&url).map_err(|e| anyhow::anyhow!("config key `smpp`: {at}: {e}"))?;
        let name = match (entry.name, extras.name) {
            (Some(a), Some(b)) if a != b => {
                bail!("config key `smpp`: {at}: named both '{a}' and '{b}'")
            }
            (Some(a), _) | (None, Some(a)) => a,
            (None, None) => format!("smpp-{}", i + 1),
        };
        if !valid_name(&name) {
            bail!(
                "config key `smpp`: {at}: name '{name}' must be 1 to 32 letters, digits, '-', '_' or '.'"
            );
        }
        if RESERVED.contains(&name.as_str()) {
            bail!("config key `smpp`: {at}: the name '{name}' belongs to a sandbox channel");
        }
        if out.iter().any(|c| c.name == name) {
            bail!("config key `smpp`: {at}: the name '{name}' is taken by another connection");
        }
        let mut routes = Vec::new();
        for p in entry.routes.iter().chain(&extras.routes) {
            let prefix = route_prefix(p).ok_or_else(|| {
                anyhow::anyhow!(
                    "config key `smpp`: {at}: route '{p}' is not a number prefix (1 to 15 digits)"
                )
            })?;
            if let Some(other) = out.iter().find(|c| c.routes.contains(&prefix)) {
                bail!(
                    "config key `smpp`: {at}: route '{prefix}' is already routed to '{}'",
                    other.name
                );
            }
            if !routes.contains(&prefix) {
                routes.push(prefix);
            }
        }
        let default = entry.default || extras.default;
        if default && let Some(other) = out.iter().find(|c| c.default) {
            bail!(
                "config key `smpp`: {at}: only one connection may be the default, and '{}' is",
                other.name
            );
        }
        out.push(SmppConnection {
            name,
            config,
            routes,
            default,
        });
    }
    if !out.is_empty() && !out.iter().any(|c| c.default) {
        out[0].default = true;
    }
    Ok(out)
}

/// Where a connection stands, as the API and the log name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// First connecting and binding.
    Connecting,
    Bound,
    /// Lost or never bound; retrying with back-off.
    Reconnecting,
    /// Unbound at shutdown.
    Closed,
}

impl LinkState {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Connecting => "connecting",
            LinkState::Bound => "bound",
            LinkState::Reconnecting => "reconnecting",
            LinkState::Closed => "closed",
        }
    }
}

/// A connection's state, since when, and the last error it met (kept after it rebinds).
#[derive(Debug, Clone)]
pub struct LinkStatus {
    pub state: LinkState,
    pub since: DateTime<Utc>,
    pub last_error: Option<String>,
}

/// A running SMPP connection.
pub struct SmppLink {
    pub name: String,
    pub config: SmppConfig,
    pub routes: Vec<String>,
    pub default: bool,
    pub connector: Arc<SmppConnector>,
    status: Arc<Mutex<LinkStatus>>,
    closing: Arc<AtomicBool>,
}

impl SmppLink {
    pub fn status(&self) -> LinkStatus {
        self.status.lock().expect("link status lock").clone()
    }

    async fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
        self.connector.close().await;
        tracing::info!(connection = %self.name, state = "closed", "SMPP connection state");
    }
}

/// The SMPP connections of a running app.
pub struct Connections {
    pub smpp: Vec<SmppLink>,
    /// When the app started: the sandbox channels are ready since then.
    pub started: DateTime<Utc>,
}

impl Connections {
    /// Starts one connector per configured connection; each reports to `sink`. Must run
    /// inside a Tokio runtime.
    /// With `slots`, each connection's `mps` is shared with the other processes.
    pub fn start(
        configured: &[SmppConnection],
        sink: Arc<dyn EventSink>,
        slots: Option<Arc<dyn SlotSource>>,
    ) -> Connections {
        let smpp = configured
            .iter()
            .map(|c| {
                tracing::info!(connection = %c.name, smsc = %c.config, routes = ?c.routes, default = c.default, "starting SMPP connection");
                let connector = Arc::new(SmppConnector::start_with_slots(
                    c.name.clone(),
                    c.config.clone(),
                    sink.clone(),
                    slots.clone(),
                ));
                let status = Arc::new(Mutex::new(LinkStatus {
                    state: LinkState::Connecting,
                    since: Utc::now(),
                    last_error: None,
                }));
                let closing = Arc::new(AtomicBool::new(false));
                tokio::spawn(follow(
                    c.name.clone(),
                    connector.watch_state(),
                    status.clone(),
                    closing.clone(),
                ));
                SmppLink {
                    name: c.name.clone(),
                    config: c.config.clone(),
                    routes: c.routes.clone(),
                    default: c.default,
                    connector,
                    status,
                    closing,
                }
            })
            .collect();
        Connections {
            smpp,
            started: Utc::now(),
        }
    }

    /// The SMS route table: with SMPP connections, their routes and the default one;
    /// without, everything goes to `sandbox`.
    pub fn sms_routes(&self, sandbox: Arc<dyn SmsChannel>) -> SmsRoutes {
        let channel = |l: &SmppLink| l.connector.clone() as Arc<dyn SmsChannel>;
        let Some(default) = self.smpp.iter().find(|l| l.default) else {
            return SmsRoutes::new(sandbox);
        };
        let mut routes = SmsRoutes::new(channel(default));
        for link in &self.smpp {
            for prefix in &link.routes {
                routes = routes.with_route(prefix, channel(link));
            }
        }
        routes
    }

    /// Unbinds every connection (after its outstanding submits) and stops reconnecting.
    pub async fn close(&self) {
        futures::future::join_all(self.smpp.iter().map(SmppLink::close)).await;
    }
}

/// Keeps `status` current and logs each change of state (the connector itself warns of
/// every failed attempt).
async fn follow(
    name: String,
    mut rx: tokio::sync::watch::Receiver<ConnectionState>,
    status: Arc<Mutex<LinkStatus>>,
    closing: Arc<AtomicBool>,
) {
    loop {
        let state = rx.borrow_and_update().clone();
        {
            let mut s = status.lock().expect("link status lock");
            match state {
                ConnectionState::Connecting => {
                    // Retries after a loss stay "reconnecting" since the loss.
                    if s.state != LinkState::Reconnecting {
                        tracing::debug!(connection = %name, "SMPP connecting");
                    }
                }
                ConnectionState::Bound => {
                    tracing::info!(connection = %name, state = "bound", "SMPP connection state");
                    *s = LinkStatus {
                        state: LinkState::Bound,
                        since: Utc::now(),
                        last_error: s.last_error.take(),
                    };
                }
                ConnectionState::Disconnected { since, last_error } => {
                    if closing.load(Ordering::SeqCst) {
                        s.state = LinkState::Closed;
                        s.since = since;
                    } else {
                        if s.state != LinkState::Reconnecting {
                            if s.state == LinkState::Bound {
                                metrics::counter!(crate::metrics::SMPP_RECONNECTS, "connection" => name.clone())
                                    .increment(1);
                            }
                            tracing::info!(connection = %name, state = "reconnecting", error = %last_error, "SMPP connection state");
                            s.since = since;
                        }
                        s.state = LinkState::Reconnecting;
                        s.last_error = Some(last_error);
                    }
                }
            }
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_whitespace_and_commas_between_urls() {
        assert_eq!(
            split_urls(" smpp://a:b@h1:1?routes=43,49 , smpps://c:d@h2\nsmpp://e@h3:3,"),
            [
                "smpp://a:b@h1:1?routes=43,49",
                "smpps://c:d@h2",
                "smpp://e@h3:3"
            ]
        );
        assert_eq!(split_urls("smpp://a:x,y@h"), ["smpp://a:x,y@h"]);
        assert!(split_urls("  ").is_empty());
    }

    #[test]
    fn the_url_may_carry_name_routes_and_default() {
        let c = parse_smpp_urls(
            "smpp://bote:pw@h1:2775?window=64&name=a1&routes=43676,+43699 \
             smpp://bote:pw@h2?default=1&mps=5",
        )
        .unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].name, "a1");
        assert_eq!(c[0].routes, ["43676", "43699"]);
        assert_eq!(c[0].config.window, 64);
        assert!(!c[0].default);
        assert_eq!(c[1].name, "smpp-2");
        assert!(c[1].default);
        assert_eq!(c[1].config.mps, 5);
        assert_eq!(c[1].config.password(), "pw");

        let one = parse_smpp_urls("smpp://bote:pw@h1").unwrap();
        assert!(
            one[0].default,
            "the first is the default when none is marked"
        );
        assert_eq!(one[0].name, "smpp-1");
    }

    #[test]
    fn bad_connections_name_the_key_but_not_the_password() {
        for (input, says) in [
            ("smpp://bote:hunter2@h1?window=0", "window"),
            ("smpp://bote:hunter2@h1?nope=1", "nope"),
            ("http://bote:hunter2@h1", "scheme"),
            ("smpp://bote:hunter2@h1:99999", "connection 1"),
            ("smpp://bote:hunter2@h1?routes=43x", "43x"),
            ("smpp://bote:hunter2@h1?name=sandbox", "sandbox"),
            (
                "smpp://bote:hunter2@h1?name=a smpp://bote:hunter2@h2?name=a",
                "taken",
            ),
            (
                "smpp://bote:hunter2@h1?routes=43 smpp://bote:hunter2@h2?routes=43",
                "already routed",
            ),
            (
                "smpp://bote:hunter2@h1?default=1 smpp://bote:hunter2@h2?default=true",
                "only one",
            ),
            ("smpp://bote:hunter2@h1?default=maybe", "default"),
        ] {
            let e = format!("{:#}", parse_smpp_urls(input).unwrap_err());
            assert!(e.starts_with("config key `smpp`"), "{input}: {e}");
            assert!(e.contains(says), "{input}: {e}");
            assert!(!e.contains("hunter2"), "{input}: {e}");
        }
    }

    #[test]
    fn debug_hides_the_password() {
        let c = parse_smpp_urls("smpp://bote:hunter2@h1").unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        let raw = SmppSetting::Urls("smpp://bote:hunter2@h1".into());
        assert!(!format!("{raw:?}").contains("hunter2"));
    }
}
