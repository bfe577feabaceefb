//! An SMPP connection's configuration, written as a URL:
//!
//! `smpp://system_id:password@host:port?bind=trx|tx_rx&window=64&mps=0&system_type=&enquire_link=30s&concat=udh8|udh16|sar&reconnect_min=1s&reconnect_max=60s&timeout=10s`
//!
//! `smpps://` is SMPP over TLS (default port 3550); `ca=/path/ca.pem` trusts only the CA
//! certificates of that file instead of the bundled Mozilla roots.
//! The password never appears in `Debug` or `Display`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// How the connection binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindMode {
    /// One bind_transceiver session.
    Transceiver,
    /// A bind_transmitter session for submits and a bind_receiver one for deliveries.
    TransmitterReceiver,
}

/// How long messages are concatenated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConcatMode {
    Udh8,
    Udh16,
    /// SAR TLVs; the SMSC builds the header.
    Sar,
}

#[derive(Clone, PartialEq, Eq)]
pub struct SmppConfig {
    pub host: String,
    pub port: u16,
    pub tls: bool,
    /// PEM file of the CA certificates to trust for TLS (`ca=`).
    pub ca_file: Option<PathBuf>,
    pub system_id: String,
    password: String,
    pub system_type: String,
    pub bind: BindMode,
    /// Outstanding submit_sm per session.
    pub window: usize,
    /// Segments per second, 0 = unlimited.
    pub mps: u32,
    pub enquire_link: Duration,
    pub concat: ConcatMode,
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
    /// Response timeout of each request, and connect/bind timeout.
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmppUrlError {
    #[error("not a URL: {0}")]
    Syntax(String),
    #[error("scheme must be smpp:// or smpps://, not {0}://")]
    Scheme(String),
    #[error("the URL needs a host")]
    NoHost,
    #[error("the URL needs a system_id (smpp://system_id:password@host:port)")]
    NoSystemId,
    #[error("system_id must be at most 15 characters and password at most 8")]
    TooLong,
    #[error("bad value '{value}' for {key}: {expected}")]
    BadValue {
        key: String,
        value: String,
        expected: &'static str,
    },
    #[error("unknown parameter '{0}'")]
    UnknownParam(String),
}

fn bad(key: &str, value: &str, expected: &'static str) -> SmppUrlError {
    SmppUrlError::BadValue {
        key: key.into(),
        value: value.into(),
        expected,
    }
}

/// `30s`, `500ms`, `2m`, `1h`, or bare seconds.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    Some(match unit {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" | "min" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        _ => return None,
    })
}

impl SmppConfig {
    pub fn parse(input: &str) -> Result<SmppConfig, SmppUrlError> {
        // Never echo the input: it holds the password.
        let url = url::Url::parse(input).map_err(|e| SmppUrlError::Syntax(e.to_string()))?;
        let tls = match url.scheme() {
            "smpp" => false,
            "smpps" => true,
            other => return Err(SmppUrlError::Scheme(other.into())),
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or(SmppUrlError::NoHost)?
            .trim_matches(|c| c == '[' || c == ']')
            .to_owned();
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let system_id = decode(url.username());
        if system_id.is_empty() {
            return Err(SmppUrlError::NoSystemId);
        }
        let password = decode(url.password().unwrap_or(""));
        if system_id.chars().count() > 15 || password.chars().count() > 8 {
            return Err(SmppUrlError::TooLong);
        }
        let mut cfg = SmppConfig {
            host,
            port: url.port().unwrap_or(if tls { 3550 } else { 2775 }),
            tls,
            ca_file: None,
            system_id,
            password,
            system_type: String::new(),
            bind: BindMode::Transceiver,
            window: 10,
            mps: 0,
            enquire_link: Duration::from_secs(30),
            concat: ConcatMode::Udh8,
            reconnect_min: Duration::from_secs(1),
            reconnect_max: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
        };
        for (key, value) in url.query_pairs() {
            let (k, v) = (key.as_ref(), value.as_ref());
            let dur =
                || parse_duration(v).ok_or_else(|| bad(k, v, "a duration such as 30s or 500ms"));
            match k {
                "bind" => {
                    cfg.bind = match v {
                        "trx" | "transceiver" => BindMode::Transceiver,
                        "tx_rx" | "txrx" => BindMode::TransmitterReceiver,
                        _ => return Err(bad(k, v, "trx or tx_rx")),
                    }
                }
                "window" => {
                    cfg.window = v
                        .parse()
                        .ok()
                        .filter(|w| (1..=10_000).contains(w))
                        .ok_or_else(|| bad(k, v, "1 to 10000"))?
                }
                "mps" => {
                    cfg.mps = v
                        .parse()
                        .map_err(|_| bad(k, v, "a whole number, 0 = unlimited"))?
                }
                "system_type" => {
                    if v.len() > 12 {
                        return Err(bad(k, v, "at most 12 characters"));
                    }
                    cfg.system_type = v.to_owned()
                }
                "enquire_link" => cfg.enquire_link = dur()?,
                "concat" => {
                    cfg.concat = match v {
                        "udh8" | "udh" => ConcatMode::Udh8,
                        "udh16" => ConcatMode::Udh16,
                        "sar" => ConcatMode::Sar,
                        _ => return Err(bad(k, v, "udh8, udh16 or sar")),
                    }
                }
                "ca" => cfg.ca_file = Some(PathBuf::from(v)),
                "reconnect_min" => cfg.reconnect_min = dur()?,
                "reconnect_max" => cfg.reconnect_max = dur()?,
                "timeout" => cfg.timeout = dur()?,
                _ => return Err(SmppUrlError::UnknownParam(k.to_owned())),
            }
        }
        if cfg.ca_file.is_some() && !cfg.tls {
            return Err(bad("ca", "", "only with smpps://"));
        }
        if cfg.timeout.is_zero() {
            return Err(bad("timeout", "0", "more than zero"));
        }
        if cfg.reconnect_max < cfg.reconnect_min {
            cfg.reconnect_max = cfg.reconnect_min;
        }
        Ok(cfg)
    }

    pub fn password(&self) -> &str {
        &self.password
    }

    /// Sets the password (for configurations built in code).
    pub fn with_password(mut self, password: impl Into<String>) -> Self {
        self.password = password.into();
        self
    }
}

impl fmt::Debug for SmppConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmppConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("ca_file", &self.ca_file)
            .field("system_id", &self.system_id)
            .field("password", &"<redacted>")
            .field("system_type", &self.system_type)
            .field("bind", &self.bind)
            .field("window", &self.window)
            .field("mps", &self.mps)
            .field("enquire_link", &self.enquire_link)
            .field("concat", &self.concat)
            .field("reconnect_min", &self.reconnect_min)
            .field("reconnect_max", &self.reconnect_max)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl fmt::Display for SmppConfig {
    /// The URL without the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls { "smpps" } else { "smpp" };
        write!(
            f,
            "{scheme}://{}:***@{}:{}",
            self.system_id, self.host, self.port
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_parameters() {
        let c = SmppConfig::parse(
            "smpp://bote:s%40cret@smsc.example:2776?bind=tx_rx&window=64&mps=50&system_type=VMA\
             &enquire_link=15s&concat=sar&reconnect_min=500ms&reconnect_max=2m&timeout=5s",
        )
        .unwrap();
        assert_eq!(c.host, "smsc.example");
        assert_eq!(c.port, 2776);
        assert_eq!(c.system_id, "bote");
        assert_eq!(c.password(), "s@cret");
        assert_eq!(c.bind, BindMode::TransmitterReceiver);
        assert_eq!(c.window, 64);
        assert_eq!(c.mps, 50);
        assert_eq!(c.system_type, "VMA");
        assert_eq!(c.enquire_link, Duration::from_secs(15));
        assert_eq!(c.concat, ConcatMode::Sar);
        assert_eq!(c.reconnect_min, Duration::from_millis(500));
        assert_eq!(c.reconnect_max, Duration::from_secs(120));
        assert_eq!(c.timeout, Duration::from_secs(5));
    }

    #[test]
    fn defaults() {
        let c = SmppConfig::parse("smpp://id:pw@127.0.0.1").unwrap();
        assert_eq!(c.port, 2775);
        assert_eq!(c.bind, BindMode::Transceiver);
        assert_eq!(c.concat, ConcatMode::Udh8);
        assert_eq!(c.mps, 0);
        assert!(c.window >= 1);
    }

    #[test]
    fn password_is_redacted() {
        let c = SmppConfig::parse("smpp://id:hunter2@host:1234").unwrap();
        let debug = format!("{c:?}");
        let display = c.to_string();
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(!display.contains("hunter2"), "{display}");
        assert!(debug.contains("<redacted>"));
        assert_eq!(display, "smpp://id:***@host:1234");
    }

    #[test]
    fn errors_do_not_leak_the_password() {
        for bad in [
            "smpp://id:hunter2@host:1234?window=0",
            "smpp://id:hunter2@host:1234?bind=xx",
            "smpp://id:hunter2@host:1234?nope=1",
            "http://id:hunter2@host:1234",
            "smpp://id:hunter2@host:99999",
        ] {
            let e = SmppConfig::parse(bad).unwrap_err();
            assert!(!e.to_string().contains("hunter2"), "{e}");
            assert!(!format!("{e:?}").contains("hunter2"), "{e:?}");
        }
    }

    #[test]
    fn rejects_bad_input() {
        let tls = SmppConfig::parse("smpps://id:pw@host?ca=/etc/ca.pem").unwrap();
        assert!(tls.tls);
        assert_eq!(tls.port, 3550);
        assert_eq!(
            tls.ca_file.as_deref(),
            Some(std::path::Path::new("/etc/ca.pem"))
        );
        assert!(SmppConfig::parse("smpp://id:pw@host?ca=/etc/ca.pem").is_err());
        assert_eq!(
            SmppConfig::parse("smpp://host:1").unwrap_err(),
            SmppUrlError::NoSystemId
        );
        assert!(matches!(
            SmppConfig::parse("smpp://a:b@h?timeout=x"),
            Err(SmppUrlError::BadValue { .. })
        ));
        assert_eq!(
            SmppConfig::parse("smpp://a:123456789@h").unwrap_err(),
            SmppUrlError::TooLong
        );
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_duration("3d"), None);
    }
}
