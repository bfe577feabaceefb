//! What a stand-in serves: its business numbers, where its webhooks go and how fast.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

/// One business number as Meta knows it.
#[derive(Clone)]
pub struct StandinNumber {
    pub phone_number_id: String,
    /// The bearer token the number's sends must carry.
    pub access_token: String,
    /// The app secret that signs the number's webhooks.
    pub app_secret: String,
    /// E.164 (`+43800100100`); webhooks show it without '+' as Meta does.
    pub display_number: String,
}

impl fmt::Debug for StandinNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StandinNumber")
            .field("phone_number_id", &self.phone_number_id)
            .field("access_token", &"[redacted]")
            .field("app_secret", &"[redacted]")
            .field("display_number", &self.display_number)
            .finish()
    }
}

/// `id:token:secret:display`, as the binary's `--number` takes it.
impl FromStr for StandinNumber {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split(':').collect();
        match parts.as_slice() {
            [id, token, secret, display]
                if !id.is_empty() && !token.is_empty() && !display.is_empty() =>
            {
                Ok(StandinNumber {
                    phone_number_id: (*id).into(),
                    access_token: (*token).into(),
                    app_secret: (*secret).into(),
                    display_number: (*display).into(),
                })
            }
            _ => {
                Err("a number is id:token:secret:display (id, token and display not empty)".into())
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct StandinConfig {
    /// 127.0.0.1:0 (a free port) unless given.
    pub listen: SocketAddr,
    pub numbers: Vec<StandinNumber>,
    /// Where status and inbound webhooks go; `{phone_number_id}` in it becomes the
    /// number's id (bote's webhook has one path per number). None: no webhooks.
    pub webhook_url: Option<String>,
    /// Whether accepted messages get `sent`/`delivered` status webhooks.
    pub status_webhooks: bool,
    /// From acceptance to `sent`, and from each status to the next.
    pub status_delay: Duration,
    /// Also `read` after `delivered`.
    pub read_receipts: bool,
    /// Keep every request for [`requests`](crate::StandinHandle::requests); benchmarks
    /// turn it off so memory stays flat (counters are kept either way).
    pub record_requests: bool,
    /// Statuses per webhook POST at most.
    pub webhook_batch: usize,
    /// How long a due status waits for others to share its POST, as Meta batches.
    pub webhook_linger: Duration,
    /// First wait before a refused webhook POST is sent again; doubles, at most 5 s.
    pub webhook_retry: Duration,
    /// Attempts per webhook POST before it is dropped (Meta keeps trying for days).
    pub webhook_attempts: u32,
}

impl Default for StandinConfig {
    fn default() -> Self {
        StandinConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            numbers: Vec::new(),
            webhook_url: None,
            status_webhooks: true,
            status_delay: Duration::from_millis(20),
            read_receipts: false,
            record_requests: true,
            webhook_batch: 100,
            webhook_linger: Duration::from_millis(10),
            webhook_retry: Duration::from_millis(100),
            webhook_attempts: 8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_and_hide_secrets() {
        let n: StandinNumber = "1234:tok-en:s3cret:+43800100100".parse().unwrap();
        assert_eq!(n.phone_number_id, "1234");
        assert_eq!(n.display_number, "+43800100100");
        let debug = format!("{n:?}");
        assert!(
            !debug.contains("tok-en") && !debug.contains("s3cret"),
            "{debug}"
        );
        assert!("1234:tok".parse::<StandinNumber>().is_err());
    }
}
