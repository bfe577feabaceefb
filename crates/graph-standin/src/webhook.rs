//! Posting webhooks the way Meta does: JSON, signed with the number's app secret, sent
//! again with a growing pause while the receiver answers non-2xx.

use std::time::Duration;

use crate::records::Counters;
use crate::sign::{SIGNATURE_HEADER, sign};

/// Meta's `entry[].id`, the WhatsApp Business Account; one for all stand-in numbers.
pub const WABA_ID: &str = "102290129340398";

pub struct Webhook {
    http: reqwest::Client,
    /// May contain `{phone_number_id}`.
    url: String,
}

/// Why a webhook POST did not go through.
#[derive(Debug)]
pub enum PostError {
    Status(u16),
    Transport(String),
}

impl std::fmt::Display for PostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PostError::Status(s) => write!(f, "receiver answered HTTP {s}"),
            PostError::Transport(e) => write!(f, "receiver unreachable: {e}"),
        }
    }
}

impl Webhook {
    pub fn new(url: String) -> anyhow::Result<Webhook> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent("facebookexternalua")
            .build()?;
        Ok(Webhook { http, url })
    }

    pub fn url_for(&self, phone_number_id: &str) -> String {
        self.url.replace("{phone_number_id}", phone_number_id)
    }

    /// One signed POST; the receiver's status.
    pub async fn post_once(
        &self,
        url: &str,
        app_secret: &str,
        body: Vec<u8>,
    ) -> Result<u16, PostError> {
        let signature = sign(app_secret.as_bytes(), &body);
        let resp = self
            .http
            .post(url)
            .header("Content-Type", "application/json")
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|e| PostError::Transport(e.to_string()))?;
        let status = resp.status().as_u16();
        // Read the answer so the connection can be reused.
        let _ = resp.bytes().await;
        if (200..300).contains(&status) {
            Ok(status)
        } else {
            Err(PostError::Status(status))
        }
    }

    /// Meta's subscription handshake: `GET <url>?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…`;
    /// the receiver's status and whether it echoed the challenge.
    pub async fn verify(&self, url: &str, verify_token: &str) -> Result<(u16, bool), PostError> {
        let challenge = (rand::random::<u32>() % 1_000_000_000).to_string();
        let url = reqwest::Url::parse_with_params(
            url,
            [
                ("hub.mode", "subscribe"),
                ("hub.challenge", challenge.as_str()),
                ("hub.verify_token", verify_token),
            ],
        )
        .map_err(|e| PostError::Transport(format!("webhook URL: {e}")))?;
        let resp = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| PostError::Transport(e.to_string()))?;
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        Ok((status, status == 200 && body == challenge))
    }

    /// Posts until a 2xx answer or `attempts` are spent; true when delivered.
    pub async fn post_retrying(
        &self,
        url: &str,
        app_secret: &str,
        body: Vec<u8>,
        first_wait: Duration,
        attempts: u32,
        counters: &Counters,
    ) -> bool {
        let mut wait = first_wait;
        for attempt in 1..=attempts.max(1) {
            match self.post_once(url, app_secret, body.clone()).await {
                Ok(_) => {
                    Counters::add(&counters.webhook_posts, 1);
                    return true;
                }
                Err(e) => {
                    Counters::add(&counters.webhook_failures, 1);
                    tracing::debug!(url, attempt, "webhook not taken: {e}");
                }
            }
            if attempt < attempts {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
        }
        false
    }
}

/// The wrapper every webhook shares: one entry per number, each with its changes.
pub fn envelope(entries: Vec<serde_json::Value>) -> serde_json::Value {
    serde_json::json!({"object": "whatsapp_business_account", "entry": entries})
}

/// A change's `value.metadata` for a number.
pub fn metadata(display_number: &str, phone_number_id: &str) -> serde_json::Value {
    serde_json::json!({
        "display_phone_number": display_number.trim_start_matches('+'),
        "phone_number_id": phone_number_id,
    })
}
