//! Which files a WhatsApp message can carry, by content type, and how large each may be
//! (the Cloud API's limits).

use bote_domain::MediaKind;

/// An accepted content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaType {
    pub kind: MediaKind,
    pub content_type: &'static str,
    pub max_bytes: u64,
}

const MB: u64 = 1024 * 1024;

const TYPES: &[(&str, MediaKind, u64)] = &[
    ("image/jpeg", MediaKind::Image, 5 * MB),
    ("image/png", MediaKind::Image, 5 * MB),
    ("video/mp4", MediaKind::Video, 16 * MB),
    ("video/3gpp", MediaKind::Video, 16 * MB),
    ("audio/aac", MediaKind::Audio, 16 * MB),
    ("audio/mp4", MediaKind::Audio, 16 * MB),
    ("audio/mpeg", MediaKind::Audio, 16 * MB),
    ("audio/amr", MediaKind::Audio, 16 * MB),
    ("audio/ogg", MediaKind::Audio, 16 * MB),
    ("application/pdf", MediaKind::Document, 100 * MB),
    ("text/plain", MediaKind::Document, 100 * MB),
    ("application/msword", MediaKind::Document, 100 * MB),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        MediaKind::Document,
        100 * MB,
    ),
    ("application/vnd.ms-excel", MediaKind::Document, 100 * MB),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        MediaKind::Document,
        100 * MB,
    ),
    (
        "application/vnd.ms-powerpoint",
        MediaKind::Document,
        100 * MB,
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        MediaKind::Document,
        100 * MB,
    ),
];

/// The accepted type for a declared content type (parameters such as `; codecs=` ignored).
pub fn media_type(content_type: &str) -> Option<MediaType> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    TYPES
        .iter()
        .find(|(t, _, _)| *t == essence)
        .map(|&(content_type, kind, max_bytes)| MediaType {
            kind,
            content_type,
            max_bytes,
        })
}

/// The accepted content types, for error messages.
pub fn accepted() -> String {
    TYPES
        .iter()
        .map(|(t, _, _)| *t)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_map_to_kinds_and_limits() {
        let png = media_type("image/PNG").unwrap();
        assert_eq!(png.kind, MediaKind::Image);
        assert_eq!(png.max_bytes, 5 * MB);
        assert_eq!(
            media_type("audio/ogg; codecs=opus").unwrap().kind,
            MediaKind::Audio
        );
        assert_eq!(
            media_type("application/pdf").unwrap().kind,
            MediaKind::Document
        );
        assert!(media_type("image/gif").is_none());
        assert!(media_type("application/x-msdownload").is_none());
        assert!(accepted().contains("image/jpeg"));
    }
}
