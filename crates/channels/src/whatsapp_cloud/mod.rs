//! Placeholder of the WhatsApp Cloud API client's interface, so the server compiles before
//! the client exists; helper/cloud-channel replaces this file with the real client.

use crate::{OutboundWhatsapp, SendOutcome};

pub struct CloudConfig {
    pub base_url: String,
    pub api_version: String,
    pub timeout: std::time::Duration,
}

impl Default for CloudConfig {
    fn default() -> Self {
        Self {
            base_url: "https://graph.facebook.com".into(),
            api_version: "v21.0".into(),
            timeout: std::time::Duration::from_secs(10),
        }
    }
}

#[derive(Clone)]
pub struct CloudNumber {
    pub phone_number_id: String,
    pub access_token: String,
    pub messages_per_second: u32,
}

pub struct CloudApi;

impl CloudApi {
    pub fn new(config: CloudConfig) -> anyhow::Result<CloudApi> {
        let _ = config;
        Ok(CloudApi)
    }

    pub async fn send(&self, from: &CloudNumber, message: &OutboundWhatsapp) -> SendOutcome {
        let _ = (from, message);
        SendOutcome::Failed {
            reason: "cloud client not built".into(),
        }
    }
}
