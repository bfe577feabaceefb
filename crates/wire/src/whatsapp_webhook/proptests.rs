//! Hostile webhook bodies: notifications shaped like Meta's with any value in any place,
//! and arbitrary bytes. Reading never panics; what is read becomes one event per status and
//! message at most, each addressed to the business number and keeping the wamid it names.
//! The properties are the fuzz target's (`bote_fuzz_checks::whatsapp::webhook`); these
//! generators reach the shapes the byte-level fuzzer finds slowly.

use proptest::prelude::*;
use serde_json::{Value, json};

use bote_fuzz_checks::whatsapp::webhook as check;

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,24}".prop_map(Value::from),
        "[0-9]{1,15}".prop_map(Value::from),
        prop::sample::select(vec![
            "sent",
            "delivered",
            "read",
            "failed",
            "deleted",
            "text",
            "image",
            "button",
            "interactive",
            "reaction",
            "location",
            "contacts",
            "unsupported",
            "messages",
        ])
        .prop_map(Value::from),
    ]
}

/// Either the right kind of value for a field or any leaf.
fn or_leaf(good: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Value> {
    prop_oneof![4 => good, 1 => leaf()].boxed()
}

fn message() -> impl Strategy<Value = Value> {
    (
        or_leaf("[0-9]{6,15}".prop_map(Value::from)),
        or_leaf("wamid\\.[A-Za-z0-9]{1,20}".prop_map(Value::from)),
        leaf(),
        or_leaf(
            prop::sample::select(vec![
                "text",
                "image",
                "button",
                "interactive",
                "reaction",
                "location",
                "contacts",
                "sticker",
            ])
            .prop_map(Value::from),
        ),
        or_leaf(".{0,40}".prop_map(|b| json!({"body": b}))),
        or_leaf(leaf().prop_map(|c| json!({"caption": c}))),
        or_leaf(
            (any::<f64>(), any::<f64>()).prop_map(|(a, o)| json!({"latitude": a, "longitude": o})),
        ),
        or_leaf(".{0,10}".prop_map(|t| json!({"button_reply": {"title": t}}))),
    )
        .prop_map(|(from, id, ts, kind, text, image, location, interactive)| {
            json!({"from": from, "id": id, "timestamp": ts, "type": kind, "text": text,
                   "image": image, "location": location, "interactive": interactive})
        })
}

fn status() -> impl Strategy<Value = Value> {
    (
        or_leaf("wamid\\.[A-Za-z0-9]{1,20}".prop_map(Value::from)),
        or_leaf(prop::sample::select(vec!["sent", "delivered", "read", "failed", "deleted"]).prop_map(Value::from)),
        or_leaf("[0-9]{1,12}".prop_map(Value::from)),
        or_leaf(prop::collection::vec((any::<i64>(), ".{0,10}").prop_map(|(c, t)| json!({"code": c, "title": t})), 0..3).prop_map(Value::from)),
    )
        .prop_map(|(id, st, ts, errors)| json!({"id": id, "status": st, "timestamp": ts, "errors": errors}))
}

fn notification() -> impl Strategy<Value = Value> {
    let value = (
        or_leaf("[0-9]{1,10}".prop_map(|p| json!({"phone_number_id": p}))),
        or_leaf(prop::collection::vec(message(), 0..4).prop_map(Value::from)),
        or_leaf(prop::collection::vec(status(), 0..4).prop_map(Value::from)),
    )
        .prop_map(|(m, msgs, sts)| json!({"metadata": m, "messages": msgs, "statuses": sts}));
    let change = (or_leaf(Just(Value::from("messages"))), or_leaf(value))
        .prop_map(|(field, value)| json!({"field": field, "value": value}));
    let entry =
        or_leaf(prop::collection::vec(change, 0..3).prop_map(|c| json!({"id": "1", "changes": c})));
    or_leaf(
        prop::collection::vec(entry, 0..3)
            .prop_map(|e| json!({"object": "whatsapp_business_account", "entry": e})),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn meta_shaped_notifications_never_panic_and_keep_their_ids(n in notification()) {
        check(n.to_string().as_bytes());
    }

    #[test]
    fn arbitrary_and_truncated_bodies_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
        n in notification(),
        cut in any::<prop::sample::Index>(),
    ) {
        check(&bytes);
        let text = n.to_string();
        check(&text.as_bytes()[..cut.index(text.len() + 1)]);
    }
}
