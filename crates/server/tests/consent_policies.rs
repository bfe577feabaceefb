//! What the package and the account's keyword settings change about consent (R2, R3):
//! caps, keyword-only opt-ins, extra keywords, reply texts, SMS keywords and redelivery.

mod support;

use bote::consent::{OptInPolicy, handle};
use bote::inbound::{receive, sandbox_message};
use bote_domain::{ChannelKind, PhoneNumber, Region, TokenScope};
use bote_store::{NewBusinessNumber, OptInResult};
use reqwest::Method;
use serde_json::{Value, json};
use support::consent::{
    BUSINESS, app_with_number, contact_with, events, ledger, reply_containing, write,
};
use support::{Backend, json_of, opted_in_numbers};

/// R2: with a cap, an opt-in beyond it is refused and recorded (pipeline with an explicit
/// policy). R3: keyword-only without kept replies: a plain message gives no opt-in, gets
/// the help reply and is not kept; START opts in.
async fn r2_cap_and_r3_keyword_only_policies(backend: Backend) {
    let app = app_with_number(backend).await;
    let store = app.store.as_ref();
    let number = |n: &str| PhoneNumber::parse(n, Region::AUSTRIA).unwrap();
    let capped = OptInPolicy {
        cap: Some(1),
        ..OptInPolicy::OPEN
    };
    let message = |from: &str, text: &str| {
        sandbox_message(
            ChannelKind::Whatsapp,
            &number(from),
            BUSINESS.into(),
            text.into(),
        )
    };
    let (first, _) = store
        .record_inbound(message("0676 1000007", "Hallo"))
        .await
        .unwrap();
    let handled = handle(store, &first, capped).await.unwrap();
    assert!(
        matches!(handled.opt_in, Some(OptInResult::Given { .. })),
        "{handled:?}"
    );
    let (second, _) = store
        .record_inbound(message("0676 1000008", "Hallo"))
        .await
        .unwrap();
    let handled = handle(store, &second, capped).await.unwrap();
    assert_eq!(
        handled.opt_in,
        Some(OptInResult::Refused { cap: 1, active: 1 })
    );
    assert_eq!(opted_in_numbers(&app).await, ["+436761000007"]);
    let l = ledger(&app, "+436761000008").await;
    assert_eq!(events(&l), ["refused"], "R2: recorded and visible");
    assert_eq!(l["active"], false);

    let small = OptInPolicy {
        cap: None,
        keyword_only: true,
        keep_replies: false,
        may_reply: true,
    };
    let (plain, _) = store
        .record_inbound(message("0676 1000009", "Was kostet das?"))
        .await
        .unwrap();
    let handled = handle(store, &plain, small).await.unwrap();
    assert_eq!(handled.opt_in, None, "R3/R7: keyword only");
    assert!(!handled.kept);
    assert!(handled.reply.is_some());
    reply_containing(&app, "+436761000009", "START").await;
    let (start, _) = store
        .record_inbound(message("0676 1000009", "START"))
        .await
        .unwrap();
    let handled = handle(store, &start, small).await.unwrap();
    assert!(matches!(handled.opt_in, Some(OptInResult::Given { .. })));
    assert!(handled.kept, "keywords are kept");
    let (_, inbound) = app.get_json("/api/v1/inbound?from=%2B436761000009").await;
    let texts: Vec<&str> = inbound["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["START"],
        "R3: the plain message is not kept: {inbound}"
    );
}

/// Keyword variants and per-account words; settings are checked; a re-delivered message
/// runs no keyword twice; SMS keywords only when the account turns them on.
async fn keyword_settings_variants_and_redelivery(backend: Backend) {
    let app = app_with_number(backend).await;
    app.create_group("news").await;
    let (status, defaults) = app.get_json("/api/v1/settings/keywords").await;
    assert_eq!(status, 200, "{defaults}");
    assert_eq!(defaults["sms_keywords"], false);
    assert!(defaults["replies"]["stopped"].is_string());
    let (status, e) = json_of(
        app.req(Method::PUT, "/api/v1/settings/keywords")
            .json(&json!({"stop_words": ["two words"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, &e["error"]["field"]),
        (422, &json!("stop_words")),
        "{e}"
    );
    let (status, saved) = json_of(
        app.req(Method::PUT, "/api/v1/settings/keywords")
            .json(&json!({"start_words": ["ja"], "stop_words": ["Ende"], "replies": {"opted_in": null}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["start_words"], json!(["JA"]));
    assert_eq!(saved["replies"]["opted_in"], Value::Null);
    assert!(
        saved["replies"]["stopped"].is_string(),
        "missing replies keep the default"
    );
    let reader = app.token_for(TokenScope::ReadOnly).await;
    let (status, _) = json_of(
        app.req_as(&reader, Method::PUT, "/api/v1/settings/keywords")
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403);

    let n = "+436761000010";
    write(&app, n, "Ja NEWS").await;
    assert_eq!(contact_with(&app, n).await["groups"], json!(["NEWS"]));
    write(&app, n, "ende.").await;
    assert!(
        opted_in_numbers(&app).await.is_empty(),
        "per-account STOP word"
    );
    write(&app, n, "ANMELDEN").await;
    write(&app, n, "abmelden").await;
    assert!(opted_in_numbers(&app).await.is_empty(), "ABMELDEN");

    // A provider delivering the same STOP again runs it once.
    let from = PhoneNumber::parse(n, Region::AUSTRIA).unwrap();
    let mut stop = sandbox_message(ChannelKind::Whatsapp, &from, BUSINESS.into(), "STOP".into());
    stop.provider_id = Some("wamid.same".into());
    write(&app, n, "START").await;
    receive(app.store.as_ref(), &Default::default(), stop.clone())
        .await
        .unwrap();
    write(&app, n, "Hallo nochmal").await;
    receive(app.store.as_ref(), &Default::default(), stop)
        .await
        .unwrap();
    assert_eq!(
        opted_in_numbers(&app).await,
        [n],
        "the repeat changed nothing"
    );

    // SMS keywords: ignored until the account turns them on; then STOP by SMS revokes.
    app.store
        .add_business_number(
            app.account.id,
            NewBusinessNumber::plain(ChannelKind::Sms, "0828"),
        )
        .await
        .unwrap();
    let sms_stop = json!({"channel": "sms", "from": n, "to": "0828", "text": "STOP"});
    let (status, _) = app
        .post_json("/api/v1/sandbox/inbound", sms_stop.clone())
        .await;
    assert_eq!(status, 201);
    assert_eq!(opted_in_numbers(&app).await, [n], "sms_keywords is off");
    let (status, _) = json_of(
        app.req(Method::PUT, "/api/v1/settings/keywords")
            .json(&json!({"sms_keywords": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = app.post_json("/api/v1/sandbox/inbound", sms_stop).await;
    assert_eq!(status, 201);
    assert!(opted_in_numbers(&app).await.is_empty(), "STOP by SMS");
}

on_both_backends!(
    r2_cap_and_r3_keyword_only_policies,
    keyword_settings_variants_and_redelivery,
);
