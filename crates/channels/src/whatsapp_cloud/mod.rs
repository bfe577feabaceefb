//! WhatsApp Business Platform Cloud API: sends messages from bote's business numbers
//! through Meta's Graph API (`POST /{version}/{phone_number_id}/messages`).
//!
//! [`body`] builds Meta's JSON for each content kind, [`answer`] turns Graph answers and
//! error codes into [`SendOutcome`]s, [`rate`] holds each number to its messages per
//! second (backing off after 130429). One pooled HTTP/1.1 client serves every number;
//! status webhooks and inbound messages arrive at the server's webhook, not here.
//!
//! TLS uses the process-wide rustls provider, which must be installed first (the server
//! installs `ring`); [`CloudApi::new`] says so instead of panicking.

pub mod answer;
pub mod body;
pub mod rate;

use std::fmt;
use std::time::Duration;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::{OutboundWhatsapp, SendOutcome};

/// Where the Graph API is and how long to wait for it.
#[derive(Debug, Clone)]
pub struct CloudConfig {
    /// e.g. "https://graph.facebook.com"; tests point it at the stand-in.
    pub base_url: String,
    /// e.g. "v21.0"
    pub api_version: String,
    pub timeout: Duration,
}

impl Default for CloudConfig {
    fn default() -> Self {
        CloudConfig {
            base_url: "https://graph.facebook.com".into(),
            api_version: "v21.0".into(),
            timeout: Duration::from_secs(10),
        }
    }
}

/// One business number's Cloud API credentials and its rate.
#[derive(Clone)]
pub struct CloudNumber {
    pub phone_number_id: String,
    /// Never logged nor shown by `Debug`.
    pub access_token: String,
    /// Messages per second for this number (80 by default, up to 1,000; 0 = no limit).
    pub messages_per_second: u32,
}

impl fmt::Debug for CloudNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudNumber")
            .field("phone_number_id", &self.phone_number_id)
            .field("access_token", &"[redacted]")
            .field("messages_per_second", &self.messages_per_second)
            .finish()
    }
}

/// The Cloud API client: cheap to share (`Arc`), safe for any number of concurrent sends.
pub struct CloudApi {
    http: reqwest::Client,
    /// `{base_url}/{api_version}/`
    prefix: String,
    rates: rate::NumberRates,
}

impl CloudApi {
    pub fn new(config: CloudConfig) -> anyhow::Result<CloudApi> {
        anyhow::ensure!(
            tokio_rustls::rustls::crypto::CryptoProvider::get_default().is_some(),
            "no TLS crypto provider installed: install rustls' ring provider before building the Cloud API client"
        );
        let base = url::Url::parse(&config.base_url)
            .map_err(|e| anyhow::anyhow!("Cloud API base URL {:?}: {e}", config.base_url))?;
        anyhow::ensure!(
            matches!(base.scheme(), "http" | "https"),
            "Cloud API base URL {:?} must be http or https",
            config.base_url
        );
        anyhow::ensure!(
            !config.api_version.is_empty() && !config.api_version.contains('/'),
            "Cloud API version {:?} must be one path segment such as v21.0",
            config.api_version
        );
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .user_agent(concat!("bote/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(CloudApi {
            http,
            prefix: format!(
                "{}/{}/",
                config.base_url.trim_end_matches('/'),
                config.api_version
            ),
            rates: rate::NumberRates::default(),
        })
    }

    /// Shares every number's rate with the other processes through `slots`.
    pub fn with_shared_rates(
        mut self,
        slots: std::sync::Arc<dyn crate::shared_slots::SlotSource>,
    ) -> CloudApi {
        self.rates = rate::NumberRates::shared(slots);
        self
    }

    /// Sends one message from `from`, waiting for the number's rate limit first.
    pub async fn send(&self, from: &CloudNumber, message: &OutboundWhatsapp) -> SendOutcome {
        let throttle = self
            .rates
            .of(&from.phone_number_id, from.messages_per_second);
        throttle.acquire().await;
        let url = format!(
            "{}{}/messages",
            self.prefix,
            utf8_percent_encode(&from.phone_number_id, NON_ALPHANUMERIC)
        );
        let sent = self
            .http
            .post(url)
            .bearer_auth(&from.access_token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body::message_body(message))
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return transport_retry(e),
        };
        let status = response.status().as_u16();
        let retry_after = answer::retry_after(
            response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
        );
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return transport_retry(e),
        };
        if (200..300).contains(&status) {
            throttle.accepted();
            return answer::accepted(&bytes);
        }
        let refusal = answer::refused(status, &bytes, retry_after);
        if refusal.slow_down {
            throttle.throttled();
        }
        tracing::debug!(
            message_id = message.message_id,
            phone_number_id = %from.phone_number_id,
            status,
            outcome = ?refusal.outcome,
            "Cloud API refused a message"
        );
        refusal.outcome
    }
}

/// Timeouts, refused connections, cut answers: the message may be tried again.
/// The URL is left out of the reason (it is known from the number); the causes are kept.
fn transport_retry(e: reqwest::Error) -> SendOutcome {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "unreachable"
    } else {
        "failed"
    };
    let e = e.without_url();
    let mut reason = format!("Cloud API request {what}: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    SendOutcome::Retry {
        reason,
        after: None,
    }
}
