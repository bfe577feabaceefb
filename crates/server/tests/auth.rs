//! Authentication (Bearer, Basic with password or token) and authorisation (token scopes,
//! account managers).

mod support;

use bote_domain::{TokenScope, UserRole};
use reqwest::Method;
use serde_json::json;
use support::{Backend, json_of, spawn_app, spawn_app_with};

async fn credentials_are_checked(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app
        .client
        .get(app.url("/api/v1/contacts"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(
        resp.headers()
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    let (_, e) = json_of(resp).await;
    assert_eq!(e["error"]["code"], "unauthorized");

    let resp = app
        .client
        .get(app.url("/api/v1/contacts"))
        .bearer_auth("bote_nope")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    app.user("anna", "correct horse battery", UserRole::Owner)
        .await;
    let ok = app
        .client
        .get(app.url("/api/v1/contacts"))
        .basic_auth("anna", Some("correct horse battery"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let bad = app
        .client
        .get(app.url("/api/v1/contacts"))
        .basic_auth("anna", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    let nobody = app
        .client
        .get(app.url("/api/v1/contacts"))
        .basic_auth("nobody", Some("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(nobody.status(), 401);
    // websms clients put a token in the password with any user name.
    let token_basic = app
        .client
        .get(app.url("/api/v1/contacts"))
        .basic_auth("whatever", Some(&app.token))
        .send()
        .await
        .unwrap();
    assert_eq!(token_basic.status(), 200);

    // Revoked tokens stop working at once.
    let extra = app.token_for(TokenScope::Full).await;
    assert_eq!(
        app.req_as(&extra, Method::GET, "/api/v1/contacts")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let hash = bote::auth::hash_token(&extra);
    let t = app.store.token_by_hash(&hash).await.unwrap();
    app.store.revoke_token(app.account.id, t.id).await.unwrap();
    assert_eq!(
        app.req_as(&extra, Method::GET, "/api/v1/contacts")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

async fn scopes_limit_what_tokens_do(backend: Backend) {
    let app = spawn_app(backend).await;
    let read = app.token_for(TokenScope::ReadOnly).await;
    let send = app.token_for(TokenScope::Send).await;
    let body = json!({"sms_number": "0676 5555555"});
    assert_eq!(
        app.req_as(&read, Method::GET, "/api/v1/contacts")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    for token in [&read, &send] {
        let (status, e) = json_of(
            app.req_as(token, Method::POST, "/api/v1/contacts")
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (403, Some("forbidden")),
            "{e}"
        );
    }
    assert_eq!(
        app.req(Method::POST, "/api/v1/contacts")
            .json(&body)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
}

async fn account_managers_administer_accounts(backend: Backend) {
    let app = spawn_app(backend).await;
    app.user("boss", "manager-password", UserRole::AccountManager)
        .await;
    let as_manager = |m: Method, p: &str| {
        app.client
            .request(m, app.url(p))
            .basic_auth("boss", Some("manager-password"))
    };

    let (status, list) = json_of(
        as_manager(Method::GET, "/api/v1/admin/accounts")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["name"], "acme");

    let (status, e) = json_of(
        as_manager(Method::POST, "/api/v1/admin/accounts")
            .json(&json!({"name": "trial", "kind": "test"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("verified_number_required")),
        "R5: {e}"
    );
    let (status, a) = json_of(
        as_manager(Method::POST, "/api/v1/admin/accounts")
            .json(&json!({"name": "trial", "kind": "test", "verified_number": "0676 9999999"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(a["verified_number"], "+436769999999");
    let created = chrono::DateTime::parse_from_rfc3339(a["created_at"].as_str().unwrap()).unwrap();
    let ends = chrono::DateTime::parse_from_rfc3339(a["trial_ends_at"].as_str().unwrap()).unwrap();
    let minutes = (ends - created).num_minutes();
    assert!(
        (14 * 24 * 60 - 1..=14 * 24 * 60).contains(&minutes),
        "R5: 14-day trial, got {minutes} minutes"
    );

    // Managers are no tenant; tenants are no managers.
    assert_eq!(
        as_manager(Method::GET, "/api/v1/contacts")
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        app.req(Method::GET, "/api/v1/admin/accounts")
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

/// Wrong credentials from one address are counted; past the limit the address is refused
/// for the rest of the minute without its credentials being checked, right ones included,
/// on the JSON API and the websms API alike. Missing credentials are not counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_guessing_credentials_is_held_off() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.auth_failures_per_minute = 5).await;
    app.user("anna", "the right password", UserRole::Owner)
        .await;
    for _ in 0..10 {
        let r = app
            .client
            .get(app.url("/api/v1/contacts"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "no credentials: refused, not counted");
    }
    for attempt in 1..=5 {
        let r = app
            .client
            .get(app.url("/api/v1/contacts"))
            .basic_auth("anna", Some("a guess"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "wrong password {attempt}");
    }
    let held = app
        .client
        .get(app.url("/api/v1/contacts"))
        .basic_auth("anna", Some("the right password"))
        .send()
        .await
        .unwrap();
    assert_eq!(held.status(), 429);
    let wait: u64 = held.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    let (_, e) = json_of(held).await;
    assert_eq!(e["error"]["code"], "too_many_failures");
    let (status, v) = json_of(
        app.client
            .post(app.url("/rest/smsmessaging/text"))
            .bearer_auth(&app.token)
            .json(&json!({"recipientAddressList": ["436761234567"], "messageContent": "x"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &v["statusCode"]), (429, &json!(4023)), "{v}");
}

/// `api_requests_per_second`: past it an account gets 429 `rate_limited` with
/// `Retry-After`; another account is not affected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_over_its_requests_per_second_is_slowed_down() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.api_requests_per_second = 3).await;
    let (_, other) = app.other_account("other", TokenScope::Full).await;
    let mut first_refusal = None;
    for i in 0..50 {
        let r = app.req(Method::GET, "/api/v1/groups").send().await.unwrap();
        if r.status() == 429 {
            assert_eq!(r.headers()["retry-after"], "1");
            let (_, e) = json_of(r).await;
            assert_eq!(e["error"]["code"], "rate_limited");
            first_refusal = Some(i);
            break;
        }
        assert_eq!(r.status(), 200);
    }
    let first = first_refusal.expect("50 requests in a row, none slowed down");
    assert!(first >= 3, "refused after only {first} requests");
    let r = app
        .req_as(&other, Method::GET, "/api/v1/groups")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "another account has its own budget");
}

on_both_backends!(
    credentials_are_checked,
    scopes_limit_what_tokens_do,
    account_managers_administer_accounts
);
