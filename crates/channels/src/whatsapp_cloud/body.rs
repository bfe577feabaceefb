//! The JSON body of `POST /{phone_number_id}/messages` for each kind of content, exactly as
//! Meta documents it. Borrowed serde structs: no intermediate `Value`, one allocation for
//! the serialised bytes.

use serde::Serialize;

use crate::{OutboundWhatsapp, WhatsappContent};

#[derive(Serialize)]
struct Message<'a> {
    messaging_product: &'static str,
    recipient_type: &'static str,
    /// E.164 without '+'.
    to: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<Media<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    video: Option<Media<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audio: Option<Media<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    document: Option<Media<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<Template<'a>>,
}

#[derive(Serialize)]
struct Text<'a> {
    body: &'a str,
    /// bote never asks WhatsApp to render link previews.
    preview_url: bool,
}

#[derive(Serialize)]
struct Media<'a> {
    link: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    caption: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filename: Option<&'a str>,
}

#[derive(Serialize)]
struct Template<'a> {
    name: &'a str,
    language: Language<'a>,
    /// Left out when the template has no parameters: Meta refuses an empty body component.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<Component<'a>>,
}

#[derive(Serialize)]
struct Language<'a> {
    code: &'a str,
}

#[derive(Serialize)]
struct Component<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    parameters: Vec<Parameter<'a>>,
}

#[derive(Serialize)]
struct Parameter<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    text: &'a str,
}

/// The request body for one message.
pub fn message_body(message: &OutboundWhatsapp) -> Vec<u8> {
    let mut m = Message {
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to: message.to.digits(),
        kind: "text",
        text: None,
        image: None,
        video: None,
        audio: None,
        document: None,
        template: None,
    };
    match &message.content {
        WhatsappContent::Text { body } => {
            m.text = Some(Text {
                body,
                preview_url: false,
            });
        }
        WhatsappContent::Media {
            kind,
            link,
            caption,
            filename,
        } => {
            use bote_domain::MediaKind;
            m.kind = kind.as_str();
            let caption = caption.as_deref().filter(|_| kind.takes_caption());
            let media = Media {
                link,
                caption,
                filename: filename.as_deref().filter(|_| *kind == MediaKind::Document),
            };
            match kind {
                MediaKind::Image => m.image = Some(media),
                MediaKind::Video => m.video = Some(media),
                MediaKind::Audio => m.audio = Some(media),
                MediaKind::Document => m.document = Some(media),
            }
        }
        WhatsappContent::Template {
            name,
            language,
            parameters,
        } => {
            m.kind = "template";
            let components = if parameters.is_empty() {
                Vec::new()
            } else {
                vec![Component {
                    kind: "body",
                    parameters: parameters
                        .iter()
                        .map(|text| Parameter { kind: "text", text })
                        .collect(),
                }]
            };
            m.template = Some(Template {
                name,
                language: Language { code: language },
                components,
            });
        }
    }
    serde_json::to_vec(&m).expect("a message body always serialises")
}

#[cfg(test)]
mod tests {
    use bote_domain::{MediaKind, PhoneNumber};
    use serde_json::{Value, json};

    use super::*;

    fn body(content: WhatsappContent) -> Value {
        let m = OutboundWhatsapp {
            message_id: 1,
            to: PhoneNumber::from_e164_unchecked("+4367612345678"),
            from: None,
            content,
        };
        serde_json::from_slice(&message_body(&m)).unwrap()
    }

    /// R18: audio takes no caption and only documents take a file name, whatever the caller gave.
    #[test]
    fn r18_audio_has_no_caption_and_only_documents_a_filename() {
        let audio = body(WhatsappContent::Media {
            kind: MediaKind::Audio,
            link: "https://x/a.ogg".into(),
            caption: Some("ignored".into()),
            filename: Some("a.ogg".into()),
        });
        assert_eq!(audio["audio"], json!({"link": "https://x/a.ogg"}));
        let image = body(WhatsappContent::Media {
            kind: MediaKind::Image,
            link: "https://x/a.jpg".into(),
            caption: None,
            filename: Some("a.jpg".into()),
        });
        assert_eq!(image["image"], json!({"link": "https://x/a.jpg"}));
    }

    #[test]
    fn template_without_parameters_has_no_components() {
        let t = body(WhatsappContent::Template {
            name: "hello_world".into(),
            language: "en_US".into(),
            parameters: vec![],
        });
        assert_eq!(
            t["template"],
            json!({"name": "hello_world", "language": {"code": "en_US"}})
        );
    }
}
