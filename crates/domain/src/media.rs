//! WhatsApp media kinds (R18).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Video,
    Audio,
    Document,
}

impl MediaKind {
    /// The name the WhatsApp Cloud API uses for the message type and its object.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Document => "document",
        }
    }

    /// Whether the Cloud API takes a caption with this kind (audio has none).
    pub fn takes_caption(self) -> bool {
        !matches!(self, MediaKind::Audio)
    }
}
