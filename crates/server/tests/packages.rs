//! The WhatsApp add-on end to end (R1–R5): account managers activate packages, WhatsApp
//! sends need an active add-on, small cannot move up in place, test accounts, and inbound
//! messages forwarded to the account's callback URL.

mod support;

use bote_domain::{AccountKind, ChannelKind, PhoneNumber, Region, TokenScope, UserRole};
use bote_store::{NewAccount, NewInbound};
use chrono::{Duration, SubsecRound, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use support::receiver::Receiver;
use support::{Backend, TestApp, eventually, json_of, spawn_app};

const MANAGER: (&str, &str) = ("boss", "manager-password");

async fn as_manager(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app
        .client
        .request(method, app.url(path))
        .basic_auth(MANAGER.0, Some(MANAGER.1));
    if let Some(b) = body {
        request = request.json(&b);
    }
    json_of(request.send().await.unwrap()).await
}

async fn send_as(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    json_of(
        app.req_as(token, Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn whatsapp_to(number: &str) -> Value {
    json!({"channel": "whatsapp", "text": "Hallo 👋", "to": {"numbers": [number]}})
}

/// R1, R3, R4: no WhatsApp without the add-on; an account manager activates it, it is
/// pending with its expected date until a WhatsApp number is registered, then active.
async fn r1_r4_whatsapp_sends_need_an_active_addon(backend: Backend) {
    let app = spawn_app(backend).await;
    app.user(MANAGER.0, MANAGER.1, UserRole::AccountManager)
        .await;
    let (shop, token) = app.other_account("shop", TokenScope::Full).await;

    // No add-on: refused, for sends and previews, naming who activates it (R1).
    for path in ["/api/v1/sends", "/api/v1/sends/preview"] {
        let (status, e) = send_as(&app, &token, path, whatsapp_to("0676 1000001")).await;
        assert_eq!(status, 403, "{path}: {e}");
        assert_eq!(e["error"]["code"], "whatsapp_not_active", "{e}");
        assert_eq!(e["error"]["field"], "channel");
        assert_eq!(e["error"]["details"]["state"], "none");
        let message = e["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("an account manager activates WhatsApp"),
            "{message}"
        );
    }
    // SMS is the base service of every account (R1).
    let sms = json!({"channel": "sms", "text": "Hallo", "to": {"numbers": ["0676 1000001"]}});
    let (status, r) = send_as(&app, &token, "/api/v1/sends", sms.clone()).await;
    assert_eq!(status, 202, "{r}");
    let (status, w) = json_of(
        app.req_as(&token, Method::GET, "/api/v1/whatsapp")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{w}");
    assert_eq!(w["state"], "none");
    assert_eq!(w["cap"], 0);

    // Only account managers activate (R1).
    let path = format!("/api/v1/admin/accounts/{}/whatsapp", shop.id.0);
    let (status, _) = json_of(
        app.req_as(&token, Method::PUT, &path)
            .json(&json!({"package": "medium"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    let (status, e) = as_manager(&app, Method::PUT, &path, Some(json!({"package": "xl"}))).await;
    assert_eq!(status, 422, "{e}");
    let (status, e) = as_manager(
        &app,
        Method::PUT,
        "/api/v1/admin/accounts/99999/whatsapp",
        Some(json!({"package": "medium"})),
    )
    .await;
    assert_eq!(status, 404, "{e}");

    let (status, a) =
        as_manager(&app, Method::PUT, &path, Some(json!({"package": "medium"}))).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["package"], "medium");
    assert_eq!(a["state"], "pending");
    assert_eq!(a["changed"], true);
    assert!(a["activated_by"].is_i64(), "{a}");
    let expected = a["expected_on"].as_str().unwrap().to_owned();
    let expected_date: chrono::NaiveDate = expected.parse().unwrap();
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Vienna)
        .date_naive();
    assert!(
        expected_date > today && expected_date <= today + Duration::days(5),
        "R3: within one working day: {expected}"
    );

    // Pending: refused with the expected date (R3); listed for the account managers.
    let (status, e) = send_as(&app, &token, "/api/v1/sends", whatsapp_to("0676 1000001")).await;
    assert_eq!(status, 403, "{e}");
    assert_eq!(e["error"]["code"], "whatsapp_not_active");
    assert_eq!(e["error"]["details"]["state"], "pending");
    assert_eq!(e["error"]["details"]["expected_on"], expected.as_str());
    assert!(
        e["error"]["message"].as_str().unwrap().contains(&expected),
        "{e}"
    );
    let (status, pending) =
        as_manager(&app, Method::GET, "/api/v1/admin/whatsapp/pending", None).await;
    assert_eq!(status, 200, "{pending}");
    let listed: Vec<&Value> = pending.as_array().unwrap().iter().collect();
    assert_eq!(listed.len(), 1, "acme is active, shop pending: {pending}");
    assert_eq!(listed[0]["account"], shop.id.0);
    assert_eq!(listed[0]["account_name"], "shop");
    assert_eq!(listed[0]["expected_on"], expected.as_str());
    assert_eq!(listed[0]["overdue"], false);
    let (status, _) = json_of(
        app.req_as(&token, Method::GET, "/api/v1/admin/whatsapp/pending")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403);

    // Registering a WhatsApp number makes it active at once (R4).
    app.store
        .add_business_number(
            shop.id,
            bote_store::NewBusinessNumber::plain(ChannelKind::Whatsapp, "+43800100500"),
        )
        .await
        .unwrap();
    let (status, r) = send_as(&app, &token, "/api/v1/sends", whatsapp_to("0676 1000001")).await;
    assert_eq!(status, 202, "{r}");
    let (_, w) = json_of(
        app.req_as(&token, Method::GET, "/api/v1/whatsapp")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(w["state"], "active", "{w}");
    assert_eq!(w["package"], "medium");
    assert_eq!(w["cap"], 10_000);
    assert_eq!(w["keyword_only"], false);
    assert_eq!(w["numbers"][0]["number"], "+43800100500");
    let (_, pending) = as_manager(&app, Method::GET, "/api/v1/admin/whatsapp/pending", None).await;
    assert_eq!(pending, json!([]));

    // Removing the add-on stops WhatsApp again.
    let (status, _) = as_manager(&app, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    let (status, _) = as_manager(&app, Method::DELETE, &path, None).await;
    assert_eq!(status, 404);
    let (status, e) = send_as(&app, &token, "/api/v1/sends", whatsapp_to("0676 1000001")).await;
    assert_eq!(status, 403, "{e}");
    assert_eq!(e["error"]["details"]["state"], "none");
}

/// R3: small is keyword-only with a small cap, takes about 7 working days, and cannot be
/// upgraded in place: moving up needs the explicit "recipients opt in again".
async fn r3_small_moves_up_only_with_new_opt_ins(backend: Backend) {
    let app = spawn_app(backend).await;
    app.user(MANAGER.0, MANAGER.1, UserRole::AccountManager)
        .await;
    let (shop, token) = app.other_account("shop", TokenScope::ReadOnly).await;
    let path = format!("/api/v1/admin/accounts/{}/whatsapp", shop.id.0);
    let (status, a) = as_manager(&app, Method::PUT, &path, Some(json!({"package": "small"}))).await;
    assert_eq!(status, 200, "{a}");
    let expected: chrono::NaiveDate = a["expected_on"].as_str().unwrap().parse().unwrap();
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Vienna)
        .date_naive();
    assert!(
        expected >= today + Duration::days(9),
        "7 working days: {expected}"
    );
    let (_, w) = json_of(
        app.req_as(&token, Method::GET, "/api/v1/whatsapp")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(w["state"], "pending");
    assert_eq!(w["package"], "small");
    assert_eq!(w["cap"], 1_000);
    assert_eq!(w["keyword_only"], true);
    assert_eq!(w["keeps_replies"], false);
    assert_eq!(w["custom_profile"], false);

    let (status, e) = as_manager(&app, Method::PUT, &path, Some(json!({"package": "large"}))).await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "upgrade_needs_new_opt_ins");
    assert_eq!(e["error"]["field"], "reset_opt_ins");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("opt in again"),
        "{e}"
    );
    let (_, w) = json_of(
        app.req_as(&token, Method::GET, "/api/v1/whatsapp")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(w["package"], "small", "nothing changed");

    let (status, a) = as_manager(
        &app,
        Method::PUT,
        &path,
        Some(json!({"package": "large", "reset_opt_ins": true})),
    )
    .await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["package"], "large");
    assert_eq!(a["opt_ins_must_reset"], true);
    assert_eq!(a["previous_package"], "small");
    assert!(a["opt_ins_reset_at"].is_string());
    let (status, a) = as_manager(&app, Method::PUT, &path, Some(json!({"package": "large"}))).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["changed"], false);
    assert_eq!(a["opt_ins_must_reset"], false);
}

/// R5: a test account includes WhatsApp, sends (SMS and WhatsApp) only to its verified
/// number, and after its 14 days every send is refused, on the native and websms APIs.
async fn r5_test_accounts_send_only_to_their_number_until_the_trial_ends(backend: Backend) {
    let app = spawn_app(backend).await;
    let verified = PhoneNumber::parse("0676 1234567", Region::AUSTRIA).unwrap();
    let trial = bote::accounts::create_account(
        app.store.as_ref(),
        "trial",
        AccountKind::Test,
        Some(verified.clone()),
        None,
    )
    .await
    .unwrap();
    let ends = trial.trial_ends_at.expect("a test account has an end");
    let off = (ends - trial.created_at - Duration::days(14))
        .num_seconds()
        .abs();
    assert!(off <= 5, "R5: 14 days from creation, off by {off}s");
    let (_, token) =
        bote::accounts::create_token(app.store.as_ref(), trial.id, "t", TokenScope::Full)
            .await
            .unwrap();
    // R6 holds for test accounts too: the verified number has written first.
    let verified =
        bote_domain::PhoneNumber::parse("+436761234567", bote_domain::Region::AUSTRIA).unwrap();
    let source = bote_store::ConsentSource {
        kind: bote_store::SourceKind::Inbound,
        reference: None,
        text: Some("Hallo".into()),
        business_number: None,
    };
    app.store
        .give_opt_in(trial.id, &verified, source, None)
        .await
        .unwrap();
    for channel in ["sms", "whatsapp"] {
        let (status, r) = send_as(
            &app,
            &token,
            "/api/v1/sends",
            json!({"channel": channel, "text": "Probe", "to": {"numbers": ["0676 1234567", "0676 7654321"]}}),
        )
        .await;
        assert_eq!(status, 202, "{channel}: {r}");
        assert_eq!(r["accepted"], 1, "{channel}: {r}");
        assert_eq!(
            r["skipped"],
            json!([{"recipient": "+436767654321", "reason": "outside_test_number"}]),
            "{channel}"
        );
    }
    let (_, w) = json_of(
        app.req_as(&token, Method::GET, "/api/v1/whatsapp")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(w["state"], "active", "R5 includes WhatsApp: {w}");
    assert_eq!(w["test_account"], true);

    // An account whose trial is over (created 15 days ago, ended yesterday).
    let ended_at = (Utc::now() - Duration::days(1)).trunc_subsecs(0);
    let expired = app
        .store
        .create_account(NewAccount {
            name: "expired".into(),
            kind: AccountKind::Test,
            trial_ends_at: Some(ended_at),
            verified_number: Some(verified),
            time_zone: None,
        })
        .await
        .unwrap();
    let (_, token) =
        bote::accounts::create_token(app.store.as_ref(), expired.id, "t", TokenScope::Full)
            .await
            .unwrap();
    let date = ended_at.format("%Y-%m-%d").to_string();
    for channel in ["sms", "whatsapp"] {
        for path in ["/api/v1/sends", "/api/v1/sends/preview"] {
            let (status, e) = send_as(
                &app,
                &token,
                path,
                json!({"channel": channel, "text": "Probe", "to": {"numbers": ["0676 1234567"]}}),
            )
            .await;
            assert_eq!(status, 403, "{channel} {path}: {e}");
            assert_eq!(e["error"]["code"], "trial_expired");
            assert!(
                e["error"]["message"].as_str().unwrap().contains(&date),
                "{e}"
            );
            assert!(e["error"]["details"]["trial_ended_at"].is_string(), "{e}");
        }
    }
    let (status, r) = json_of(
        app.client
            .post(app.url("/rest/smsmessaging/text"))
            .basic_auth("any-user", Some(&token))
            .json(&json!({"recipientAddressList": ["436761234567"], "messageContent": "Probe"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r["statusCode"], 4001, "websms: inactive account: {r}");
    assert_eq!(status, 401);
    assert!(r["statusMessage"].as_str().unwrap().contains(&date), "{r}");
}

/// Inbound messages kept for an account are forwarded to its callback URL in websms form,
/// signed; a message its provider delivers again is forwarded once.
async fn inbound_messages_are_forwarded_once_in_websms_form(backend: Backend) {
    let app = spawn_app(backend).await;
    let (receiver, addr) = Receiver::start().await;
    *receiver.fail_first.lock().unwrap() = 1; // retried like delivery reports

    let (status, s) = app.get_json("/api/v1/settings/callbacks").await;
    assert_eq!((status, s), (200, json!({"inbound_url": null})));
    for bad in ["ftp://example.com/x", "not a url", "http://"] {
        let (status, e) = json_of(
            app.req(Method::PUT, "/api/v1/settings/callbacks")
                .json(&json!({"inbound_url": bad}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 422, "{bad}: {e}");
        assert_eq!(e["error"]["code"], "invalid_url");
        assert_eq!(e["error"]["field"], "inbound_url");
    }
    let url = format!("http://{addr}/cb");
    let read_only = app.token_for(TokenScope::ReadOnly).await;
    let (status, _) = json_of(
        app.req_as(&read_only, Method::PUT, "/api/v1/settings/callbacks")
            .json(&json!({"inbound_url": url}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403, "settings need the full scope");
    let (status, s) = json_of(
        app.req(Method::PUT, "/api/v1/settings/callbacks")
            .json(&json!({"inbound_url": url}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, s), (200, json!({"inbound_url": url})));

    app.store
        .add_business_number(
            app.account.id,
            bote_store::NewBusinessNumber::plain(ChannelKind::Sms, "0828"),
        )
        .await
        .unwrap();
    let (status, r) = app
        .post_json(
            "/api/v1/sandbox/inbound",
            json!({"channel": "sms", "from": "0676 1000001", "to": "0828", "text": "Antwort"}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    // The same provider message twice, as an SMSC delivers again after a lost response.
    let again = NewInbound {
        channel: ChannelKind::Whatsapp,
        connection: "sandbox-whatsapp".into(),
        from: "+436761000002".into(),
        to: support::HARNESS_WHATSAPP_NUMBER.into(),
        kind: "text".into(),
        text: Some("Zweimal".into()),
        provider_id: Some("wamid.twice".into()),
        received_at: Utc::now(),
    };
    let first = bote::inbound::receive(app.store.as_ref(), &Default::default(), again.clone())
        .await
        .unwrap();
    let second = bote::inbound::receive(app.store.as_ref(), &Default::default(), again)
        .await
        .unwrap();
    assert_eq!(first.id, second.id);

    let received = eventually(30, "two forwarded messages", || async {
        let all = receiver.all();
        (all.len() >= 2).then_some(all)
    })
    .await;
    let sms = received
        .iter()
        .find(|r| r.body["textMessageContent"] == "Antwort")
        .expect("the SMS is forwarded");
    assert_eq!(
        sms.body,
        json!({
            "messageType": "text",
            "notificationId": sms.body["notificationId"],
            "senderAddress": "436761000001",
            "senderAddressType": "international",
            "recipientAddress": "0828",
            "recipientAddressType": "national",
            "messageFlashSms": false,
            "textMessageContent": "Antwort",
        })
    );
    assert_eq!(sms.body["notificationId"].as_str().unwrap().len(), 20);
    let signature = sms.signature.as_deref().expect("signed");
    assert!(bote::callbacks::verify(
        b"test-callback-secret",
        signature,
        &sms.raw
    ));
    let wa = received
        .iter()
        .find(|r| r.body["textMessageContent"] == "Zweimal")
        .expect("the WhatsApp message is forwarded");
    assert_eq!(wa.body["channel"], "whatsapp");
    assert_eq!(wa.body["contentType"], "text");
    assert_eq!(wa.body["senderAddress"], "436761000002");
    assert_eq!(wa.body["recipientAddress"], "43800000001");
    // Nothing more arrives: the repeat was not forwarded again.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let texts: Vec<Value> = receiver
        .all()
        .iter()
        .map(|r| r.body["textMessageContent"].clone())
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");

    // Another account's messages are not forwarded to acme's URL; `null` stops forwarding.
    let (status, s) = json_of(
        app.req(Method::PUT, "/api/v1/settings/callbacks")
            .json(&json!({"inbound_url": null}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, s), (200, json!({"inbound_url": null})));
    let (status, _) = app
        .post_json(
            "/api/v1/sandbox/inbound",
            json!({"channel": "sms", "from": "0676 1000001", "to": "0828", "text": "Danach"}),
        )
        .await;
    assert_eq!(status, 201);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(receiver.all().len(), 2);
}

/// R2, R3, R5: the opt-in policy the consent code follows comes from the package and its
/// configured cap; without the add-on every opt-in is refused (cap 0).
async fn r2_opt_in_policy_follows_the_package(backend: Backend) {
    let app = support::spawn_app_with(backend, |c| c.packages.small = 50).await;
    let caps = bote::addon::PackageCaps {
        small: 50,
        ..Default::default()
    };
    let store = app.store.as_ref();
    let policy = |account| bote::addon::opt_in_policy(store, &caps, account);
    assert_eq!(
        policy(app.account.id).await.unwrap(),
        bote_domain::Package::Medium.policy(10_000),
        "acme has medium"
    );
    let (shop, token) = app.other_account("shop", TokenScope::ReadOnly).await;
    assert_eq!(
        policy(shop.id).await.unwrap(),
        bote_domain::OptInPolicy::NONE
    );
    bote::addon::activate(
        store,
        chrono_tz::Europe::Vienna,
        shop.id,
        bote_domain::Package::Small,
        None,
        false,
    )
    .await
    .unwrap();
    let small = policy(shop.id).await.unwrap();
    assert_eq!(small.cap, Some(50));
    assert!(small.keyword_only && !small.keep_replies && !small.may_reply);
    let (_, w) = json_of(
        app.req_as(&token, Method::GET, "/api/v1/whatsapp")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(w["cap"], 50, "the configured cap: {w}");
    let trial = bote::accounts::create_account(
        store,
        "trial",
        AccountKind::Test,
        Some(PhoneNumber::parse("0676 1234567", Region::AUSTRIA).unwrap()),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        policy(trial.id).await.unwrap(),
        bote_domain::Package::Medium.policy(50),
        "R5: test accounts get the medium rules with the small cap"
    );
}

on_both_backends!(
    r2_opt_in_policy_follows_the_package,
    r1_r4_whatsapp_sends_need_an_active_addon,
    r3_small_moves_up_only_with_new_opt_ins,
    r5_test_accounts_send_only_to_their_number_until_the_trial_ends,
    inbound_messages_are_forwarded_once_in_websms_form,
);
