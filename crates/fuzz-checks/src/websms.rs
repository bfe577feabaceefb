//! websms request bodies: any bytes may be POSTed to `/rest/smsmessaging/text` or `…/binary`.

use bote_domain::{PhoneNumber, Region};
use bote_wire::websms::request::{MAX_BINARY_SEGMENTS, MAX_SEGMENT_OCTETS};
use bote_wire::websms::{
    Content, Endpoint, MAX_RECIPIENTS, WebsmsRequest, WebsmsStatus, parse_json,
};
use serde_json::{Map, Value};

use crate::phone::assert_canonical;

/// Reading never panics, at either endpoint. A refusal is a websms 4xxx code with a
/// message: 4000 for a body that is no JSON object, 4019 without recipients, 4025 for more
/// than [`MAX_RECIPIENTS`]. An accepted body is checked by `accepted`.
pub fn request(data: &[u8]) {
    let fields = match serde_json::from_slice::<Value>(data) {
        Ok(Value::Object(fields)) => Some(fields),
        _ => None,
    };
    for endpoint in [Endpoint::Text, Endpoint::Binary] {
        match (parse_json(data, endpoint, Region::AUSTRIA), &fields) {
            (Ok(request), Some(fields)) => accepted(fields, endpoint, &request),
            (Ok(request), None) => panic!("{request:?} read from no JSON object"),
            (Err(status), fields) => refused(fields.as_ref(), &status),
        }
    }
}

fn refused(fields: Option<&Map<String, Value>>, status: &WebsmsStatus) {
    assert!((4000..5000).contains(&status.code), "{status:?}");
    assert!(!status.message.is_empty(), "{status:?}");
    let Some(fields) = fields else {
        assert_eq!(status.code, 4000, "{status:?} for no JSON object");
        return;
    };
    match fields.get("recipientAddressList") {
        None | Some(Value::Null) => assert_eq!(status.code, 4019, "{status:?}"),
        Some(Value::Array(list)) if list.is_empty() => assert_eq!(status.code, 4019),
        Some(Value::Array(list)) if list.len() > MAX_RECIPIENTS => {
            assert_eq!(status.code, 4025, "{status:?}")
        }
        _ => {}
    }
}

/// Every entry of `recipientAddressList` is accounted for once, in order: as the valid
/// number it parses to, or as an invalid one; at least one is valid. The content is what
/// the body holds (the text as sent; or its base64 segments, 1 to 255 of 1 to 140 octets,
/// each with a header that fits when `userDataHeaderPresent`), and every option is in
/// websms' range.
fn accepted(fields: &Map<String, Value>, endpoint: Endpoint, request: &WebsmsRequest) {
    let list = fields["recipientAddressList"]
        .as_array()
        .expect("recipients come from an array");
    assert!(!request.recipients.is_empty(), "no valid recipient");
    assert!(list.len() <= MAX_RECIPIENTS);
    assert_eq!(
        request.recipients.len() + request.invalid_recipients.len(),
        list.len(),
        "each entry once"
    );
    let parsed: Vec<PhoneNumber> = list
        .iter()
        .filter_map(|entry| match entry {
            Value::String(s) => PhoneNumber::parse(s, Region::AUSTRIA).ok(),
            Value::Number(n) if n.is_u64() => {
                PhoneNumber::parse(&n.to_string(), Region::AUSTRIA).ok()
            }
            _ => None,
        })
        .collect();
    assert_eq!(request.recipients, parsed, "the valid entries, in order");
    request.recipients.iter().for_each(assert_canonical);

    match (&request.content, endpoint) {
        (Content::Text(text), Endpoint::Text) => {
            assert!(!text.is_empty());
            assert_eq!(fields["messageContent"].as_str(), Some(text.as_str()));
        }
        (Content::Binary { segments, udh }, Endpoint::Binary) => {
            let sent = fields["messageContent"].as_array().expect("an array");
            assert_eq!(segments.len(), sent.len());
            assert!((1..=MAX_BINARY_SEGMENTS).contains(&segments.len()));
            for segment in segments {
                assert!((1..=MAX_SEGMENT_OCTETS).contains(&segment.len()));
                if *udh {
                    assert!(usize::from(segment[0]) < segment.len(), "header fits");
                }
            }
        }
        (content, endpoint) => panic!("{content:?} from the {endpoint:?} endpoint"),
    }

    assert!(request.priority.is_none_or(|p| (1..=9).contains(&p)));
    assert!(
        request
            .max_sms_per_message
            .is_none_or(|n| (1..=255).contains(&n))
    );
    assert!(
        request
            .validity_secs
            .is_none_or(|s| (60..=259_200).contains(&s))
    );
    assert!(
        request
            .client_message_id
            .as_ref()
            .is_none_or(|id| !id.is_empty())
    );
    if let Some(url) = &request.callback_url {
        let parsed = url::Url::parse(url).expect("a callback URL parses");
        assert!(matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some());
    }
}
