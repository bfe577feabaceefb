//! Messages processed together (`consent::handle_batch`): waves per sender, the cap in
//! message order, and one reply send per text.

mod support;

use bote::consent::{OptInPolicy, handle_batch};
use bote::inbound::sandbox_message;
use bote_domain::{ChannelKind, PhoneNumber, Region};
use bote_store::OptInResult;
use serde_json::json;
use support::consent::{BUSINESS, app_with_number, contact_with, events, ledger, reply_containing};
use support::{Backend, opted_in_numbers};

/// Messages processed together (`handle_batch`): a sender's messages take effect in their
/// order, the cap gives in message order across senders, and the replies of a wave go out
/// as one send per text.
async fn a_batch_goes_in_waves_with_one_reply_send_per_text(backend: Backend) {
    let app = app_with_number(backend).await;
    app.create_group("news").await;
    let store = app.store.as_ref();
    let (a, b, c, d) = (
        "+436761000041",
        "+436761000042",
        "+436761000043",
        "+436761000044",
    );
    let message = |from: &str, text: &str| {
        let from = PhoneNumber::parse(from, Region::AUSTRIA).unwrap();
        sandbox_message(ChannelKind::Whatsapp, &from, BUSINESS.into(), text.into())
    };
    let stored = store
        .record_inbound_batch(
            vec![
                message(a, "Hallo"),
                message(b, "START"),
                message(c, "Hallo"),
                message(a, "STOP"),
                message(b, "START NEWS"),
                message(d, "START NEWS"),
            ],
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap();
    let records: Vec<_> = stored.iter().map(|(r, _)| r).collect();
    let policy = OptInPolicy {
        cap: Some(3),
        ..OptInPolicy::OPEN
    };
    let settings = store.keyword_settings(app.account.id).await.unwrap();
    let handled: Vec<_> = handle_batch(store, app.account.id, &records, &settings, policy)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let given = |at: usize| matches!(handled[at].opt_in, Some(OptInResult::Given { .. }));
    assert!(given(0) && given(1) && given(2), "{handled:?}");
    assert_eq!(handled[3].opt_in, None, "STOP gives none");
    assert!(matches!(
        handled[4].opt_in,
        Some(OptInResult::AlreadyActive(_))
    ));
    assert_eq!(
        handled[5].opt_in,
        Some(OptInResult::Refused { cap: 3, active: 3 }),
        "R2: the cap is reached by the earlier messages"
    );
    assert_eq!(handled[5].reply, None, "a refused START is not confirmed");
    assert!(
        handled[..5].iter().all(|h| h.reply.is_some()),
        "{handled:?}"
    );

    assert_eq!(opted_in_numbers(&app).await, [c, b]);
    assert_eq!(events(&ledger(&app, a).await), ["opt_in", "revoked"]);
    assert_eq!(events(&ledger(&app, b).await), ["opt_in", "group_joined"]);
    assert_eq!(events(&ledger(&app, d).await), ["refused"]);
    assert_eq!(contact_with(&app, b).await["groups"], json!(["NEWS"]));
    // A's replies arrive in the order of A's messages.
    reply_containing(&app, a, "abgemeldet").await;
    let texts: Vec<String> = app
        .sandbox
        .whatsapp
        .inbox()
        .messages(a)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(texts[0].starts_with("Danke"), "{texts:?}");
    assert!(texts[1].contains("abgemeldet"), "{texts:?}");
    // Three sends: the confirmation to A, B and C together; then STOP's and the group's.
    let (status, sends) = app.get_json("/api/v1/sends").await;
    assert_eq!(status, 200, "{sends}");
    let sizes: Vec<u64> = sends["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["source"] == "keyword")
        .map(|s| {
            s["counts"]
                .as_object()
                .unwrap()
                .values()
                .map(|n| n.as_u64().unwrap())
                .sum()
        })
        .collect();
    let mut sorted = sizes.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [1, 1, 3], "{sends}");
}

on_both_backends!(a_batch_goes_in_waves_with_one_reply_send_per_text,);
