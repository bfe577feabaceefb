//! `[smtp]`: where bote sends its emails (the widget link when WhatsApp is activated, the
//! end of a trial). Off while `host` is unset.

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::Secret;

/// `[smtp]` as read; `BOTE_SMTP_HOST` sets `smtp.host`, and so on.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSmtp {
    host: Option<String>,
    port: Option<u16>,
    tls: Option<String>,
    user: Option<String>,
    password: Option<String>,
    from: Option<String>,
}

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// TLS from the first byte (port 465).
    Tls,
    /// Plain, then STARTTLS, which must succeed (port 587).
    StartTls,
    /// No encryption at all: only for a relay on the same host or in tests (port 25).
    None,
}

impl SmtpTls {
    fn default_port(self) -> u16 {
        match self {
            SmtpTls::Tls => 465,
            SmtpTls::StartTls => 587,
            SmtpTls::None => 25,
        }
    }
}

/// A validated `[smtp]`.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// User name and password, when the server wants a login.
    pub credentials: Option<(String, Secret)>,
    /// The sender, `bote@example.com` or `Bote <bote@example.com>`.
    pub from: lettre::message::Mailbox,
}

pub(super) fn validate(raw: RawSmtp) -> anyhow::Result<Option<SmtpConfig>> {
    let Some(host) = raw
        .host
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
    else {
        return Ok(None);
    };
    let tls = match raw.tls.as_deref().map(str::trim).unwrap_or("starttls") {
        "starttls" => SmtpTls::StartTls,
        "tls" => SmtpTls::Tls,
        "none" => SmtpTls::None,
        other => bail!("config key `smtp.tls`: '{other}' is not one of starttls, tls, none"),
    };
    let from = raw
        .from
        .as_deref()
        .context("config key `smtp.from`: set the sender address when `smtp.host` is set")?;
    let from = from
        .trim()
        .parse::<lettre::message::Mailbox>()
        .with_context(|| {
            format!("config key `smtp.from`: '{from}' is not an address like bote@example.com")
        })?;
    let credentials = match (raw.user, raw.password) {
        (Some(user), Some(password)) => Some((user, Secret::new(password))),
        (None, None) => None,
        _ => bail!("config key `smtp.user`: give `smtp.user` and `smtp.password` together"),
    };
    if raw.port == Some(0) {
        bail!("config key `smtp.port`: 0 is not a port");
    }
    Ok(Some(SmtpConfig {
        port: raw.port.unwrap_or(tls.default_port()),
        host,
        tls,
        credentials,
        from,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(host: Option<&str>, tls: Option<&str>, from: Option<&str>) -> RawSmtp {
        RawSmtp {
            host: host.map(Into::into),
            tls: tls.map(Into::into),
            from: from.map(Into::into),
            ..RawSmtp::default()
        }
    }

    #[test]
    fn off_without_a_host() {
        assert!(validate(RawSmtp::default()).unwrap().is_none());
        assert!(validate(raw(Some("  "), None, None)).unwrap().is_none());
    }

    #[test]
    fn ports_follow_the_tls_mode() {
        let c = validate(raw(Some("mail.example"), None, Some("bote@example.com")))
            .unwrap()
            .unwrap();
        assert_eq!((c.tls, c.port), (SmtpTls::StartTls, 587));
        let c = validate(raw(
            Some("mail.example"),
            Some("tls"),
            Some("Bote <b@example.com>"),
        ))
        .unwrap()
        .unwrap();
        assert_eq!((c.tls, c.port), (SmtpTls::Tls, 465));
        assert_eq!(c.from.email.to_string(), "b@example.com");
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = validate(raw(Some("m"), Some("ssl"), Some("b@example.com"))).unwrap_err();
        assert!(e.to_string().contains("`smtp.tls`"), "{e}");
        let e = validate(raw(Some("m"), None, None)).unwrap_err();
        assert!(e.to_string().contains("`smtp.from`"), "{e}");
        let e = format!(
            "{:#}",
            validate(raw(Some("m"), None, Some("nobody"))).unwrap_err()
        );
        assert!(e.contains("`smtp.from`") && e.contains("nobody"), "{e}");
        let mut r = raw(Some("m"), None, Some("b@example.com"));
        r.user = Some("u".into());
        let e = validate(r).unwrap_err();
        assert!(e.to_string().contains("`smtp.user`"), "{e}");
    }

    #[test]
    fn the_password_is_never_shown() {
        let mut r = raw(Some("m"), None, Some("b@example.com"));
        r.user = Some("u".into());
        r.password = Some("hunter22".into());
        let c = validate(r).unwrap().unwrap();
        assert!(!format!("{c:?}").contains("hunter22"));
    }
}
