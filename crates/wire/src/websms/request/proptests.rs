//! Hostile websms request bodies: any JSON object, built around the real field names so the
//! generator reaches past the first check, is parsed into a request or refused with a
//! websms 4xxx code; nothing panics, and what is accepted keeps the API's limits. The
//! properties are the fuzz target's (`bote_fuzz_checks::websms::request`); this generator
//! reaches deep structures the byte-level fuzzer finds slowly.

use proptest::prelude::*;
use serde_json::{Map, Value};

const FIELDS: [&str; 16] = [
    "recipientAddressList",
    "messageContent",
    "test",
    "senderAddress",
    "senderAddressType",
    "sendAsFlashSms",
    "notificationCallbackUrl",
    "clientMessageId",
    "priority",
    "maxSmsPerMessage",
    "validityPeriode",
    "messageContentList",
    "userDataHeaderPresent",
    "contentCategory",
    "recipientAddressListx",
    "",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::String),
        // Numbers as clients write them, right and wrong.
        "(\\+|00)?4367[0-9]{0,12}".prop_map(Value::String),
        prop::collection::vec(any::<u8>(), 0..200).prop_map(|b| Value::String(
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b)
        )),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(FIELDS.to_vec()).prop_map(str::to_owned),
                    inner
                ),
                0..4
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec(
        (
            prop_oneof![
                prop::sample::select(FIELDS.to_vec()).prop_map(str::to_owned),
                ".{0,12}"
            ],
            value(),
        ),
        0..10,
    )
    .prop_map(|kv| kv.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn any_body_is_parsed_or_refused_with_a_websms_code(body in body()) {
        bote_fuzz_checks::websms::request(&serde_json::to_vec(&body).unwrap());
    }
}
