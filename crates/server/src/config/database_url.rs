//! The store's URL, with its password hidden from logs and errors.

use std::fmt;

use anyhow::bail;

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
