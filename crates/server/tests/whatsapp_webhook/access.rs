//! Who may speak to the webhook: Meta's verification handshake, signed POSTs only, and
//! changes of numbers of another Meta app dropped.

use bote_domain::ChannelKind;
use serde_json::json;

use crate::support::Backend;
use crate::*;

async fn verification_handshake_answers_the_challenge(backend: Backend) {
    let (app, _) = cloud_app(backend).await;
    let get = |id: &str, mode: &str, token: &str| {
        app.client
            .get(app.url(&format!("/webhooks/whatsapp/{id}")))
            .query(&[
                ("hub.mode", mode),
                ("hub.verify_token", token),
                ("hub.challenge", "1158201444"),
            ])
            .send()
    };
    let ok = get(PHONE_NUMBER_ID, "subscribe", VERIFY_TOKEN)
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.text().await.unwrap(),
        "1158201444",
        "the challenge, as plain body"
    );
    let wrong = get(PHONE_NUMBER_ID, "subscribe", "guess").await.unwrap();
    assert_eq!(wrong.status(), 403);
    let mode = get(PHONE_NUMBER_ID, "unsubscribe", VERIFY_TOKEN)
        .await
        .unwrap();
    assert_eq!(mode.status(), 403);
    let unknown = get("999", "subscribe", VERIFY_TOKEN).await.unwrap();
    assert_eq!(unknown.status(), 404);

    // A sandbox number has no webhook, even with a provider id.
    app.store
        .add_business_number(
            app.account.id,
            NewBusinessNumber::plain(ChannelKind::Whatsapp, "+43800200200")
                .with_provider_ref("777"),
        )
        .await
        .unwrap();
    assert_eq!(get("777", "subscribe", "").await.unwrap().status(), 404);
}

async fn posts_need_the_number_s_signature(backend: Backend) {
    let (app, _) = cloud_app(backend).await;
    let body = notification(vec![entry(vec![change(
        json!([text("436641000001", "wamid.SIG1", "Hallo")]),
        json!([]),
    )])]);
    let raw = body.to_string().into_bytes();

    let (status, e) = post_raw(&app, &raw, None).await;
    assert_eq!(status, 401, "no signature: {e}");
    let (status, _) = post_raw(&app, &raw, Some(signature("another-secret", &raw))).await;
    assert_eq!(status, 401, "signed with another secret");
    let (status, _) = post_raw(&app, &raw, Some("sha256=zz".into())).await;
    assert_eq!(status, 401, "not hex");
    let mut tampered = raw.clone();
    tampered[raw.len() - 3] = b' ';
    let (status, _) = post_raw(&app, &tampered, Some(signature(APP_SECRET, &raw))).await;
    assert_eq!(status, 401, "a body changed after signing");
    assert_eq!(inbound_count(&app).await, 0, "nothing stored on 401");

    let (status, e) = post_raw(&app, &raw, Some(signature(APP_SECRET, &raw))).await;
    assert_eq!(status, 200, "{e}");
    assert_eq!(inbound_count(&app).await, 1);

    // Signed but malformed: 400 naming the problem; nothing stored.
    let broken = br#"{"entry":[{"changes":[{"value":{"messages":[{"from":"436641000002","type":"text"}]}}]}]}"#;
    let (status, e) = post_raw(&app, broken, Some(signature(APP_SECRET, broken))).await;
    assert_eq!(status, 400, "{e}");
    let message = e["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("entry[0].changes[0].value.messages[0]") && message.contains("`id`"),
        "{message}"
    );
    let (status, _) = post_raw(&app, b"[1,", Some(signature(APP_SECRET, b"[1,"))).await;
    assert_eq!(status, 400);
    // Bodies beyond the limit are refused before anything is read into the store.
    let huge = vec![b' '; 3 * 1024 * 1024];
    let (status, _) = post_raw(&app, &huge, Some(signature(APP_SECRET, &huge))).await;
    assert_eq!(status, 413);
    assert_eq!(inbound_count(&app).await, 1);
}

/// A payload signed with one number's app secret speaks only for numbers of the same Meta
/// app: a change naming another tenant's number (another app secret) is dropped.
async fn changes_of_numbers_of_another_app_are_dropped(backend: Backend) {
    let (app, _) = cloud_app(backend).await;
    let (other, _) = app
        .other_account("other", bote_domain::TokenScope::Full)
        .await;
    let add = |account, number: &str, id: &str, secret: &str| {
        app.store.add_business_number(
            account,
            NewBusinessNumber {
                cloud: Some(CloudCredentials {
                    access_token: Secret::new("t"),
                    app_secret: Secret::new(secret),
                    verify_token: Secret::new("v"),
                }),
                ..NewBusinessNumber::plain(ChannelKind::Whatsapp, number).with_provider_ref(id)
            },
        )
    };
    add(other.id, "+43800700700", "7007", "another-app")
        .await
        .unwrap();
    add(app.account.id, "+43800800800", "8008", APP_SECRET)
        .await
        .unwrap();
    let for_number = |id: &str, wamid: &str| {
        json!({"field": "messages", "value": {
            "metadata": {"display_phone_number": "43800100100", "phone_number_id": id},
            "messages": [text("436641000001", wamid, "STOP")]}})
    };
    let batch = notification(vec![entry(vec![
        for_number("7007", "wamid.FOREIGN"),
        for_number("8008", "wamid.SAMEAPP"),
        for_number("5555", "wamid.UNKNOWN"),
    ])]);
    let (status, e) = post_signed(&app, &batch).await;
    assert_eq!(status, 200, "{e}");
    let of = |account| {
        let store = app.store.clone();
        async move {
            store
                .list_inbound(
                    account,
                    InboundQuery {
                        limit: 10,
                        ..InboundQuery::default()
                    },
                )
                .await
                .unwrap()
                .items
        }
    };
    assert!(
        of(other.id).await.is_empty(),
        "nothing reached the other tenant"
    );
    let ours = of(app.account.id).await;
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(ours[0].provider_id.as_deref(), Some("wamid.SAMEAPP"));
    assert_eq!(ours[0].to, "+43800800800");
}

on_both_backends!(
    verification_handshake_answers_the_challenge,
    posts_need_the_number_s_signature,
    changes_of_numbers_of_another_app_are_dropped,
);
