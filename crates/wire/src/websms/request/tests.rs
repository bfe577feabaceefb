use serde_json::json;

use super::*;

fn body(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn text(v: Value) -> Result<WebsmsRequest, WebsmsStatus> {
    parse(&body(v), Endpoint::Text, Region::AUSTRIA)
}

fn code(v: Value) -> u16 {
    text(v).unwrap_err().code
}

#[test]
fn reads_what_published_clients_send() {
    let r = text(json!({
        "recipientAddressList": ["4367612345678", 4367612345679_u64, "0676 1234567", "12x"],
        "messageContent": "Hallo", "test": true, "senderAddress": "bote", "senderAddressType": "alphanumeric",
        "sendAsFlashSms": false, "notificationCallbackUrl": "http://127.0.0.1:9/cb", "clientMessageId": "abc",
        "priority": 5, "maxSmsPerMessage": "3", "validityPeriode": 3600, "contentCategory": "informational",
        "someFutureField": {"ignored": true}
    }))
    .unwrap();
    assert_eq!(r.recipients.len(), 3);
    assert_eq!(r.recipients[1].as_str(), "+4367612345679");
    assert_eq!(r.invalid_recipients, ["12x"]);
    assert_eq!(r.content, Content::Text("Hallo".into()));
    assert!(r.test);
    assert_eq!(r.sender.unwrap().kind, SenderKind::Alphanumeric);
    assert_eq!(
        (r.priority, r.max_sms_per_message, r.validity_secs),
        (Some(5), Some(3), Some(3600))
    );
    assert_eq!(r.client_message_id.as_deref(), Some("abc"));
}

#[test]
fn each_bad_field_has_its_code() {
    let ok = |extra: Value| {
        let mut b = json!({"recipientAddressList": ["4367612345678"], "messageContent": "x"});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    assert_eq!(code(json!({"messageContent": "x"})), 4019);
    assert_eq!(
        text(json!({"messageContent": "x"})).unwrap_err().message,
        "Parameter missing: recipientAddressList"
    );
    assert_eq!(
        code(json!({"recipientAddressList": ["4367612345678"]})),
        4019
    );
    assert_eq!(
        code(json!({"recipientAddressList": ["nope"], "messageContent": "x"})),
        4002
    );
    assert_eq!(
        code(json!({"recipientAddressList": vec!["4367612345678"; 1001], "messageContent": "x"})),
        4025
    );
    assert_eq!(code(ok(json!({"priority": 0}))), 4015);
    assert_eq!(code(ok(json!({"priority": "high"}))), 4015);
    assert_eq!(
        code(ok(json!({"notificationCallbackUrl": "ftp://x"}))),
        4016
    );
    assert_eq!(code(ok(json!({"maxSmsPerMessage": 256}))), 4026);
    assert_eq!(code(ok(json!({"validityPeriode": 59}))), 4041);
    assert_eq!(
        code(ok(json!({"senderAddress": "much too long sender"}))),
        4003
    );
    assert_eq!(
        code(ok(
            json!({"senderAddress": "43676", "senderAddressType": "satellite"})
        )),
        4003
    );
    assert_eq!(code(ok(json!({"test": "maybe"}))), 4000);
    assert_eq!(code(ok(json!({"messageContent": ""}))), 4009);
    assert!(
        text(ok(json!({"maxSmsPerMessage": 0})))
            .unwrap()
            .max_sms_per_message
            .is_none()
    );
}

#[test]
fn binary_segments_are_base64() {
    let b = body(
        json!({"recipientAddressList": ["4367612345678"], "messageContent": ["BQADAQIBSGk=", "BQADAQICaGk="], "userDataHeaderPresent": true}),
    );
    let r = parse(&b, Endpoint::Binary, Region::AUSTRIA).unwrap();
    assert_eq!(
        r.content,
        Content::Binary {
            segments: vec![
                b"\x05\x00\x03\x01\x02\x01Hi".to_vec(),
                b"\x05\x00\x03\x01\x02\x02hi".to_vec()
            ],
            udh: true
        }
    );
    let b = body(json!({"recipientAddressList": ["4367612345678"], "messageContent": ["%%%"]}));
    assert_eq!(
        parse(&b, Endpoint::Binary, Region::AUSTRIA)
            .unwrap_err()
            .code,
        4027
    );
}
