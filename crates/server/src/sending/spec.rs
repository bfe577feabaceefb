//! What a send carries, as stored with it (`sends.content`): the content and the options
//! the dispatcher needs to build each message.

pub use bote_domain::MediaKind;
use bote_domain::Sender;
use serde::{Deserialize, Serialize};

use super::template::Template;
use super::window::SendingWindow;

/// WhatsApp media by link (R18).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Media {
    pub kind: MediaKind,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Documents only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SendSpec {
    /// SMS text (may hold `{{placeholders}}`) or WhatsApp text / caption-less body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// websms binary: base64 segments as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub udh: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<Sender>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flash: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_secs: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    /// Most segments one message may take; longer ones fail instead of costing more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_segments: Option<u32>,
    /// The text holds placeholders, filled per contact at dispatch (SMS only, R20).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub personalised: bool,
    /// When messages may go out; outside it the dispatcher holds them until it opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<SendingWindow>,
    /// WhatsApp: the whole message is this template (no text or media).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Template>,
    /// WhatsApp: sent instead of the free-form text or media to recipients outside their
    /// 24-hour customer-service window (Cloud API numbers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_template: Option<Template>,
    /// WhatsApp "one message per person" (R19): recipients without an active opt-in get
    /// the text by SMS instead (API channel `whatsapp_else_sms`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub else_sms: bool,
}
