//! Reading websms request bodies the way websms does: unknown fields ignored, numbers as
//! strings or JSON integers, `maxSmsPerMessage` and `validityPeriode` as numbers or strings,
//! each invalid field answered with its own status code.

use base64::Engine;
use bote_domain::{PhoneNumber, Region, Sender, SenderKind};
use serde_json::{Map, Value};

use super::status::WebsmsStatus;

/// Most recipients one request may name (websms 4025).
pub const MAX_RECIPIENTS: usize = 1_000;

/// Octets one binary segment may hold, user data header included.
pub const MAX_SEGMENT_OCTETS: usize = 140;

/// Most segments of one binary message (a concatenation UDH counts at most 255).
pub const MAX_BINARY_SEGMENTS: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Text(String),
    /// Binary segments, each as sent; `udh` when the client built the headers.
    Binary {
        segments: Vec<Vec<u8>>,
        udh: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct WebsmsRequest {
    /// Valid recipients, in order, and the addresses that are no valid number.
    pub recipients: Vec<PhoneNumber>,
    pub invalid_recipients: Vec<String>,
    pub content: Content,
    pub test: bool,
    pub sender: Option<Sender>,
    pub flash: bool,
    pub callback_url: Option<String>,
    pub client_message_id: Option<String>,
    pub priority: Option<u8>,
    /// 0 or absent: no limit.
    pub max_sms_per_message: Option<u32>,
    pub validity_secs: Option<u32>,
}

/// Which websms endpoint the body came to: `…/text` reads `messageContent` as text,
/// `…/binary` as base64 segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Text,
    Binary,
}

/// Reads a raw request body: a JSON object, else 4000.
pub fn parse_json(
    body: &[u8],
    endpoint: Endpoint,
    region: Region,
) -> Result<WebsmsRequest, WebsmsStatus> {
    let object = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => {
            return Err(WebsmsStatus::malformed(
                "Malformed request: the body must be a JSON object",
            ));
        }
        Err(e) => return Err(WebsmsStatus::malformed(format!("Malformed request: {e}"))),
    };
    parse(&object, endpoint, region)
}

/// Reads a body's fields; the simple endpoint builds them from the query string.
pub fn parse(
    body: &Map<String, Value>,
    endpoint: Endpoint,
    region: Region,
) -> Result<WebsmsRequest, WebsmsStatus> {
    let (recipients, invalid_recipients) = recipients(body, region)?;
    let content = match endpoint {
        Endpoint::Text => Content::Text(text_content(body)?),
        Endpoint::Binary => binary_content(body)?,
    };
    Ok(WebsmsRequest {
        recipients,
        invalid_recipients,
        content,
        test: flag(body, "test")?,
        sender: sender(body)?,
        flash: flag(body, "sendAsFlashSms")?,
        callback_url: callback_url(body)?,
        client_message_id: client_message_id(body)?,
        priority: priority(body)?,
        max_sms_per_message: max_sms(body)?,
        validity_secs: validity(body)?,
    })
}

fn present<'a>(body: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    body.get(key).filter(|v| !v.is_null())
}

fn recipients(
    body: &Map<String, Value>,
    region: Region,
) -> Result<(Vec<PhoneNumber>, Vec<String>), WebsmsStatus> {
    let list = match present(body, "recipientAddressList") {
        None => return Err(WebsmsStatus::missing("recipientAddressList")),
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(WebsmsStatus::invalid_recipient(
                "recipientAddressList must be an array",
            ));
        }
    };
    if list.is_empty() {
        return Err(WebsmsStatus::missing("recipientAddressList"));
    }
    if list.len() > MAX_RECIPIENTS {
        return Err(WebsmsStatus::new(
            4025,
            format!(
                "Too many recipients ({}; at most {MAX_RECIPIENTS})",
                list.len()
            ),
        ));
    }
    let mut valid = Vec::with_capacity(list.len());
    let mut invalid = Vec::new();
    for item in list {
        let raw = match item {
            Value::String(s) => s.clone(),
            Value::Number(n) if n.is_u64() => n.to_string(),
            other => {
                invalid.push(other.to_string());
                continue;
            }
        };
        // websms MSISDNs are digits with the country code; people also send +43… or 0676….
        match PhoneNumber::parse(&raw, region) {
            Ok(n) => valid.push(n),
            Err(_) => invalid.push(raw),
        }
    }
    if valid.is_empty() {
        return Err(WebsmsStatus::invalid_recipient(format!(
            "Invalid recipient(s): {}",
            invalid.join(", ")
        )));
    }
    Ok((valid, invalid))
}

fn text_content(body: &Map<String, Value>) -> Result<String, WebsmsStatus> {
    match present(body, "messageContent") {
        None => Err(WebsmsStatus::missing("messageContent")),
        Some(Value::String(s)) if s.is_empty() => Err(WebsmsStatus::new(
            4009,
            "Invalid text: messageContent is empty",
        )),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(WebsmsStatus::new(
            4009,
            "Invalid text: messageContent must be a string",
        )),
    }
}

fn binary_content(body: &Map<String, Value>) -> Result<Content, WebsmsStatus> {
    let segments = match present(body, "messageContent") {
        None => return Err(WebsmsStatus::missing("messageContent")),
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(_) => {
            return Err(WebsmsStatus::new(
                4007,
                "Invalid data: messageContent must be an array of base64 segments",
            ));
        }
    };
    if segments.len() > MAX_BINARY_SEGMENTS {
        return Err(WebsmsStatus::new(
            4027,
            format!(
                "Invalid segment: messageContent holds {} segments, at most {MAX_BINARY_SEGMENTS}",
                segments.len()
            ),
        ));
    }
    let udh = flag(body, "userDataHeaderPresent")?;
    let mut decoded = Vec::with_capacity(segments.len());
    for (i, seg) in segments.iter().enumerate() {
        let bad = |why: &str| {
            WebsmsStatus::new(4027, format!("Invalid segment: messageContent[{i}] {why}"))
        };
        let bytes = seg
            .as_str()
            .and_then(|s| {
                base64::engine::general_purpose::STANDARD
                    .decode(s.trim())
                    .ok()
            })
            .ok_or_else(|| bad("is not base64"))?;
        if bytes.is_empty() {
            return Err(bad("is empty"));
        }
        if bytes.len() > MAX_SEGMENT_OCTETS {
            return Err(bad(&format!(
                "has {} octets, at most {MAX_SEGMENT_OCTETS} including the user data header",
                bytes.len()
            )));
        }
        // With userDataHeaderPresent the segment starts with its header's length (UDHL).
        if udh && 1 + usize::from(bytes[0]) > bytes.len() {
            return Err(bad(
                "has a user data header longer than the segment (userDataHeaderPresent)",
            ));
        }
        decoded.push(bytes);
    }
    Ok(Content::Binary {
        segments: decoded,
        udh,
    })
}

fn flag(body: &Map<String, Value>, key: &str) -> Result<bool, WebsmsStatus> {
    match present(body, key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(WebsmsStatus::malformed(format!(
            "{key} must be true or false"
        ))),
    }
}

/// A number, or a string holding one (some clients send strings).
fn number(body: &Map<String, Value>, key: &str) -> Result<Option<i64>, Option<String>> {
    match present(body, key) {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| Some(n.to_string())),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| Some(s.clone())),
        Some(other) => Err(Some(other.to_string())),
    }
}

fn sender(body: &Map<String, Value>) -> Result<Option<Sender>, WebsmsStatus> {
    let Some(address) = present(body, "senderAddress") else {
        return Ok(None);
    };
    let address = match address {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => {
            return Err(WebsmsStatus::invalid_sender(
                "senderAddress must be a string",
            ));
        }
    };
    if address.trim().is_empty() {
        return Ok(None);
    }
    let kind = match present(body, "senderAddressType") {
        None => SenderKind::guess(&address),
        Some(Value::String(t)) => t
            .parse::<SenderKind>()
            .map_err(|e| WebsmsStatus::invalid_sender(e.to_string()))?,
        Some(_) => {
            return Err(WebsmsStatus::invalid_sender(
                "senderAddressType must be a string",
            ));
        }
    };
    Sender::parse(&address, kind)
        .map(Some)
        .map_err(|e| WebsmsStatus::invalid_sender(e.to_string()))
}

fn callback_url(body: &Map<String, Value>) -> Result<Option<String>, WebsmsStatus> {
    let Some(v) = present(body, "notificationCallbackUrl") else {
        return Ok(None);
    };
    let bad = || {
        WebsmsStatus::new(
            4016,
            "Invalid notificationCallbackUrl: an http(s) URL is required",
        )
    };
    let text = v.as_str().ok_or_else(bad)?.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let url = url::Url::parse(text).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad());
    }
    Ok(Some(text.to_owned()))
}

fn client_message_id(body: &Map<String, Value>) -> Result<Option<String>, WebsmsStatus> {
    match present(body, "clientMessageId") {
        None => Ok(None),
        Some(Value::String(s)) if s.len() <= 100 => Ok((!s.is_empty()).then(|| s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(WebsmsStatus::new(
            4008,
            "Invalid clientMessageId: a string of at most 100 characters",
        )),
    }
}

fn priority(body: &Map<String, Value>) -> Result<Option<u8>, WebsmsStatus> {
    let bad = || WebsmsStatus::new(4015, "Invalid priority: 1 to 9");
    match number(body, "priority").map_err(|_| bad())? {
        None => Ok(None),
        Some(p @ 1..=9) => Ok(Some(p as u8)),
        Some(_) => Err(bad()),
    }
}

fn max_sms(body: &Map<String, Value>) -> Result<Option<u32>, WebsmsStatus> {
    let bad = || WebsmsStatus::new(4026, "Invalid maxSmsPerMessage: 0 to 255");
    match number(body, "maxSmsPerMessage").map_err(|_| bad())? {
        None | Some(0) => Ok(None),
        Some(n @ 1..=255) => Ok(Some(n as u32)),
        Some(_) => Err(bad()),
    }
}

fn validity(body: &Map<String, Value>) -> Result<Option<u32>, WebsmsStatus> {
    let bad = || WebsmsStatus::new(4041, "Invalid validityPeriode: 60 to 259200 seconds");
    match number(body, "validityPeriode").map_err(|_| bad())? {
        None => Ok(None),
        Some(n @ 60..=259_200) => Ok(Some(n as u32)),
        Some(_) => Err(bad()),
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;
