//! The checks Meta makes on a message body before taking it; each failure names the
//! parameter, as Meta's `error_data.details` does.

use serde_json::{Map, Value};

/// What a valid body says.
#[derive(Debug, PartialEq, Eq)]
pub struct Checked<'a> {
    /// As sent: digits, '+' optional.
    pub to: &'a str,
    pub kind: &'a str,
}

const MEDIA: [&str; 5] = ["image", "video", "audio", "document", "sticker"];
const TEXT_MAX: usize = 4096;
const CAPTION_MAX: usize = 1024;

pub fn check(body: &Value) -> Result<Checked<'_>, String> {
    let obj = body.as_object().ok_or("the body must be a JSON object")?;
    match obj.get("messaging_product") {
        Some(Value::String(p)) if p == "whatsapp" => {}
        Some(_) => return Err("messaging_product must be \"whatsapp\"".into()),
        None => return Err("The parameter messaging_product is required.".into()),
    }
    if let Some(rt) = obj.get("recipient_type")
        && rt.as_str() != Some("individual")
    {
        return Err("recipient_type must be \"individual\"".into());
    }
    let to = match obj.get("to") {
        Some(Value::String(to)) => to.as_str(),
        Some(_) => return Err("to must be a string".into()),
        None => return Err("The parameter to is required.".into()),
    };
    let digits = to.strip_prefix('+').unwrap_or(to);
    if !(7..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("to {to:?} is not a phone number (7 to 15 digits)"));
    }
    // Meta's default type is text.
    let kind = match obj.get("type") {
        None => "text",
        Some(Value::String(k)) => k.as_str(),
        Some(_) => return Err("type must be a string".into()),
    };
    let object = match obj.get(kind) {
        Some(Value::Object(o)) => o,
        Some(_) => return Err(format!("{kind} must be an object")),
        None => return Err(format!("The parameter {kind} is required for type {kind}.")),
    };
    match kind {
        "text" => text(object)?,
        "template" => template(object)?,
        k if MEDIA.contains(&k) => media(k, object)?,
        other => return Err(format!("type {other:?} is not a message type")),
    }
    Ok(Checked { to, kind })
}

fn text(o: &Map<String, Value>) -> Result<(), String> {
    let body = o
        .get("body")
        .and_then(Value::as_str)
        .ok_or("text.body is required")?;
    if body.is_empty() {
        return Err("text.body must not be empty".into());
    }
    if body.chars().count() > TEXT_MAX {
        return Err(format!("text.body is longer than {TEXT_MAX} characters"));
    }
    if let Some(p) = o.get("preview_url")
        && !p.is_boolean()
    {
        return Err("text.preview_url must be true or false".into());
    }
    Ok(())
}

fn media(kind: &str, o: &Map<String, Value>) -> Result<(), String> {
    match (o.get("link"), o.get("id")) {
        (Some(Value::String(link)), None) => {
            if !(link.starts_with("https://") || link.starts_with("http://")) {
                return Err(format!("{kind}.link must be an http(s) URL"));
            }
        }
        (None, Some(Value::String(id))) if !id.is_empty() => {}
        (Some(_), Some(_)) => return Err(format!("{kind} takes link or id, not both")),
        _ => return Err(format!("{kind}.link or {kind}.id is required")),
    }
    if let Some(caption) = o.get("caption") {
        if matches!(kind, "audio" | "sticker") {
            return Err(format!("{kind} does not take a caption"));
        }
        let caption = caption
            .as_str()
            .ok_or(format!("{kind}.caption must be a string"))?;
        if caption.chars().count() > CAPTION_MAX {
            return Err(format!(
                "{kind}.caption is longer than {CAPTION_MAX} characters"
            ));
        }
    }
    if o.contains_key("filename") && kind != "document" {
        return Err(format!("{kind} does not take a filename"));
    }
    Ok(())
}

fn template(o: &Map<String, Value>) -> Result<(), String> {
    match o.get("name").and_then(Value::as_str) {
        Some(n) if !n.is_empty() => {}
        _ => return Err("template.name is required".into()),
    }
    match o
        .get("language")
        .and_then(|l| l.get("code"))
        .and_then(Value::as_str)
    {
        Some(c) if !c.is_empty() => {}
        _ => return Err("template.language.code is required".into()),
    }
    let Some(components) = o.get("components") else {
        return Ok(());
    };
    let components = components
        .as_array()
        .ok_or("template.components must be an array")?;
    for (i, c) in components.iter().enumerate() {
        match c.get("type").and_then(Value::as_str) {
            Some("header" | "body" | "button" | "footer") => {}
            _ => {
                return Err(format!(
                    "template.components[{i}].type must be header, body, button or footer"
                ));
            }
        }
        let params = c
            .get("parameters")
            .and_then(Value::as_array)
            .ok_or(format!(
                "template.components[{i}].parameters must be an array"
            ))?;
        for (j, p) in params.iter().enumerate() {
            let ok = match p.get("type").and_then(Value::as_str) {
                Some("text") => p
                    .get("text")
                    .and_then(Value::as_str)
                    .is_some_and(|t| !t.is_empty()),
                Some("currency" | "date_time" | "image" | "document" | "video" | "payload") => true,
                _ => false,
            };
            if !ok {
                return Err(format!(
                    "template.components[{i}].parameters[{j}] must be a text parameter with text"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn meta_shaped_bodies_pass() {
        let text = json!({"messaging_product":"whatsapp","recipient_type":"individual","to":"4367612345678","type":"text","text":{"body":"Hallo 👋","preview_url":false}});
        assert_eq!(
            check(&text),
            Ok(Checked {
                to: "4367612345678",
                kind: "text"
            })
        );
        let tpl = json!({"messaging_product":"whatsapp","to":"+4367612345678","type":"template","template":{"name":"order_update","language":{"code":"de"},"components":[{"type":"body","parameters":[{"type":"text","text":"Max"}]}]}});
        assert_eq!(check(&tpl).unwrap().kind, "template");
        let doc = json!({"messaging_product":"whatsapp","to":"4367612345678","type":"document","document":{"link":"https://x/a.pdf","caption":"c","filename":"a.pdf"}});
        assert!(check(&doc).is_ok());
    }

    #[test]
    fn each_rule_names_what_is_wrong() {
        let cases = [
            (json!([]), "JSON object"),
            (
                json!({"to":"4367612345678","text":{"body":"x"}}),
                "messaging_product",
            ),
            (
                json!({"messaging_product":"sms","to":"4367612345678","text":{"body":"x"}}),
                "messaging_product",
            ),
            (
                json!({"messaging_product":"whatsapp","text":{"body":"x"}}),
                "to is required",
            ),
            (
                json!({"messaging_product":"whatsapp","to":"12ab","text":{"body":"x"}}),
                "not a phone number",
            ),
            (
                json!({"messaging_product":"whatsapp","to":"4367612345678","type":"fax","fax":{}}),
                "not a message type",
            ),
            (
                json!({"messaging_product":"whatsapp","to":"4367612345678","type":"image"}),
                "image is required",
            ),
            (
                json!({"messaging_product":"whatsapp","to":"4367612345678","text":{"body":""}}),
                "text.body",
            ),
            (
                json!({"messaging_product":"whatsapp","to":"4367612345678","type":"audio","audio":{"link":"https://x/a","caption":"c"}}),
                "caption",
            ),
            (
                json!({"messaging_product":"whatsapp","to":"4367612345678","type":"image","image":{"link":"ftp://x"}}),
                "http(s)",
            ),
            (
                json!({"messaging_product":"whatsapp","to":"4367612345678","type":"template","template":{"name":"t"}}),
                "language.code",
            ),
            (
                json!({"messaging_product":"whatsapp","to":"4367612345678","type":"template","template":{"name":"t","language":{"code":"de"},"components":[{"type":"body","parameters":[{"type":"text"}]}]}}),
                "parameters[0]",
            ),
        ];
        for (body, want) in cases {
            let err = check(&body).unwrap_err();
            assert!(err.contains(want), "{body}: {err}");
        }
    }
}
