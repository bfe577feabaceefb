//! What the stand-in's handlers share.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;

use crate::faults::Faults;
use crate::inbound::{InboundMessage, InboundSent, payload};
use crate::records::{Counters, Recorder};
use crate::statuses::Pending;
use crate::webhook::Webhook;
use crate::{StandinConfig, StandinNumber};

pub struct Shared {
    pub config: StandinConfig,
    pub numbers: HashMap<String, StandinNumber>,
    pub faults: Faults,
    pub recorder: Recorder,
    pub counters: Counters,
    pub webhook: Option<Webhook>,
    /// Set once the status tasks run; None when status webhooks are off.
    pub statuses: std::sync::OnceLock<mpsc::UnboundedSender<Pending>>,
    wamid_prefix: String,
    next_wamid: AtomicU64,
}

impl Shared {
    pub fn new(config: StandinConfig) -> anyhow::Result<Shared> {
        let numbers = config
            .numbers
            .iter()
            .map(|n| (n.phone_number_id.clone(), n.clone()))
            .collect();
        let webhook = config.webhook_url.clone().map(Webhook::new).transpose()?;
        Ok(Shared {
            numbers,
            faults: Faults::default(),
            recorder: Recorder::default(),
            counters: Counters::default(),
            webhook,
            statuses: std::sync::OnceLock::new(),
            wamid_prefix: format!("wamid.HBgL{:012X}", rand::random::<u64>() >> 16),
            next_wamid: AtomicU64::new(1),
            config,
        })
    }

    /// A fresh message id, unique within this stand-in and unlikely across runs.
    pub fn wamid(&self) -> String {
        let n = self.next_wamid.fetch_add(1, Ordering::Relaxed);
        format!("{}{n:016X}", self.wamid_prefix)
    }

    /// Meta's subscription handshake against the number's webhook URL: (status, whether
    /// the challenge came back).
    pub async fn verify_webhook(
        &self,
        phone_number_id: &str,
        verify_token: &str,
    ) -> anyhow::Result<(u16, bool)> {
        let webhook = self
            .webhook
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("the stand-in has no webhook URL"))?;
        webhook
            .verify(&webhook.url_for(phone_number_id), verify_token)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Posts a customer's message to the webhook, signed with the number's app secret.
    /// Not retried: the caller sees the receiver's answer.
    pub async fn inject(&self, msg: &InboundMessage) -> anyhow::Result<InboundSent> {
        let number = self.numbers.get(&msg.phone_number_id).ok_or_else(|| {
            anyhow::anyhow!("no number with phone_number_id {}", msg.phone_number_id)
        })?;
        let webhook = self
            .webhook
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("the stand-in has no webhook URL"))?;
        let wamid = self.wamid();
        let body = serde_json::to_vec(&payload(number, msg, &wamid))?;
        let url = webhook.url_for(&number.phone_number_id);
        let webhook_status = match webhook.post_once(&url, &number.app_secret, body).await {
            Ok(s) => s,
            Err(crate::webhook::PostError::Status(s)) => s,
            Err(e) => anyhow::bail!("{e}"),
        };
        Ok(InboundSent {
            wamid,
            webhook_status,
        })
    }
}
