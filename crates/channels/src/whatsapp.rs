//! The WhatsApp channel: one message to one WhatsApp number, as the Cloud API takes it.

use bote_domain::{MediaKind, PhoneNumber};

use crate::SendOutcome;

/// What a WhatsApp message carries (R18): text with emoji, media by link, or a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhatsappContent {
    Text {
        body: String,
    },
    Media {
        kind: MediaKind,
        link: String,
        caption: Option<String>,
        /// Documents only.
        filename: Option<String>,
    },
    /// An approved template, needed outside the 24-hour customer-service window.
    Template {
        name: String,
        language: String,
        parameters: Vec<String>,
    },
}

impl WhatsappContent {
    /// A one-line rendering for inboxes and logs.
    pub fn summary(&self) -> String {
        match self {
            WhatsappContent::Text { body } => body.clone(),
            WhatsappContent::Media {
                kind,
                link,
                caption,
                ..
            } => match caption {
                Some(c) => format!("[{}] {link} {c}", kind.as_str()),
                None => format!("[{}] {link}", kind.as_str()),
            },
            WhatsappContent::Template {
                name, parameters, ..
            } => format!("[template {name}] {}", parameters.join(" | ")),
        }
    }
}

/// One WhatsApp message to one recipient, ready to go.
#[derive(Debug, Clone)]
pub struct OutboundWhatsapp {
    /// bote's message id, for logs and correlation.
    pub message_id: i64,
    pub to: PhoneNumber,
    /// The business number it goes out from, when the send names one.
    pub from: Option<String>,
    pub content: WhatsappContent,
}

#[async_trait::async_trait]
pub trait WhatsappChannel: Send + Sync {
    /// The connection's name, for logs, routes and the provider ids' namespace.
    fn name(&self) -> &str;
    async fn send(&self, message: &OutboundWhatsapp) -> SendOutcome;
}
