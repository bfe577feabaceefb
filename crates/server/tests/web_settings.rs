//! R22: the settings page. In a real browser a person creates an API token with a scope
//! (its secret shown once, and working against the API), revokes it, sets the inbound
//! callback URL and the keyword words and replies; plain HTTP checks refusals, CSRF and
//! that one account cannot touch another's tokens.

mod support;
mod web;

use bote_domain::{TokenScope, UserRole};
use fantoccini::Locator;
use reqwest::Method;
use support::{Backend, TestApp, spawn_app};
use web::Browser;
use web::driver::Driver;

async fn logged_in(app: &TestApp) -> Browser {
    app.user("anna", "correct horse", UserRole::Owner).await;
    let mut b = Browser::new(&app.base);
    b.headers.insert("accept-language", "en".parse().unwrap());
    assert_eq!(b.log_in("anna", "correct horse").await.status, 303);
    b
}

async fn api_status(app: &TestApp, token: &str, path: &str) -> u16 {
    app.req_as(token, Method::GET, path)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// R22: token, callback URL and keyword replies set through the page in the browser, each
/// checked in the store (and the token against the API).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_callbacks_and_keywords_are_set_in_the_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    app.user("anna", "correct horse", UserRole::Owner).await;
    let driver = Driver::start("de-DE").await;
    let c = &driver.client;
    driver
        .log_in(&app.url("/login"), "anna", "correct horse")
        .await;
    c.wait().for_element(Locator::Css("h1")).await.unwrap();
    c.find(Locator::Css("a[href='/settings']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let h1 = c.wait().for_element(Locator::Css("h1")).await.unwrap();
    assert_eq!(h1.text().await.unwrap(), "Einstellungen");

    // A token with the read-only scope: the secret is shown once and works.
    c.find(Locator::Id("token-name"))
        .await
        .unwrap()
        .send_keys("Reporting")
        .await
        .unwrap();
    c.find(Locator::Id("token-scope"))
        .await
        .unwrap()
        .select_by_value("read_only")
        .await
        .unwrap();
    c.find(Locator::Id("create-token"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let secret = c
        .wait()
        .for_element(Locator::Css("[data-testid=token-secret]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    driver.screenshot("settings-token-created").await;
    assert_eq!(api_status(&app, &secret, "/api/v1/contacts").await, 200);
    let refused = app
        .req_as(&secret, Method::POST, "/api/v1/groups")
        .json(&serde_json::json!({"code": "news"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(refused, 403, "read_only cannot write");
    let tokens = app.store.list_tokens(app.account.id).await.unwrap();
    let made = tokens.iter().find(|t| t.name == "Reporting").unwrap();
    assert_eq!(made.scope, TokenScope::ReadOnly);
    assert!(secret.starts_with(&made.prefix));
    c.refresh().await.unwrap();
    let source = c.source().await.unwrap();
    assert!(!source.contains(&secret), "the secret is shown once");
    let named = app.store.list_tokens(app.account.id).await.unwrap();
    assert_eq!(
        named.iter().filter(|t| t.name == "Reporting").count(),
        1,
        "a reload creates no second token"
    );

    // Revoked, it stops working.
    c.find(Locator::Css(&format!(
        "tr[data-token='{}'] [data-testid=revoke-token]",
        made.id.0
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.wait()
        .for_element(Locator::Css(&format!(
            "tr[data-token='{}']:not(:has([data-testid=revoke-token]))",
            made.id.0
        )))
        .await
        .unwrap();
    assert_eq!(api_status(&app, &secret, "/api/v1/contacts").await, 401);

    // The inbound callback URL.
    let url = c.find(Locator::Id("inbound-url")).await.unwrap();
    url.clear().await.unwrap();
    url.send_keys("https://crm.example.com/bote").await.unwrap();
    c.find(Locator::Id("save-callbacks"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("[data-testid=saved]"))
        .await
        .unwrap();
    assert_eq!(
        app.store
            .inbound_callback_url(app.account.id)
            .await
            .unwrap()
            .as_deref(),
        Some("https://crm.example.com/bote")
    );

    // Keyword words and a reply.
    c.find(Locator::Id("start-words"))
        .await
        .unwrap()
        .send_keys("ja, go")
        .await
        .unwrap();
    let reply = c.find(Locator::Id("reply-opted-in")).await.unwrap();
    reply.clear().await.unwrap();
    reply.send_keys("Willkommen!").await.unwrap();
    c.find(Locator::Id("sms-keywords"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("save-keywords"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("[data-testid=saved]"))
        .await
        .unwrap();
    driver.screenshot("settings").await;
    let k = app.store.keyword_settings(app.account.id).await.unwrap();
    assert_eq!(k.start_words, ["JA", "GO"]);
    assert_eq!(k.replies.opted_in.as_deref(), Some("Willkommen!"));
    assert!(k.sms_keywords);
}

/// R22: input the API refuses is refused here with the field named and nothing saved; a
/// form without the CSRF token is refused; a token of another account cannot be revoked.
#[tokio::test]
async fn settings_refuse_bad_input_forged_forms_and_other_accounts_tokens() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut b = logged_in(&app).await;
    let page = b.get("/settings").await;
    assert_eq!(page.status, 200);
    let csrf = page.csrf();

    let bad = b
        .post(
            "/settings/callbacks",
            &[("csrf", &csrf), ("inbound_url", "ftp://x")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("inbound_url"), "names the field");
    assert!(bad.body.contains("value=\"ftp://x\""), "keeps the input");
    assert_eq!(
        app.store
            .inbound_callback_url(app.account.id)
            .await
            .unwrap(),
        None
    );

    let clash = b
        .post(
            "/settings/keywords",
            &[("csrf", &csrf), ("start_words", "STOP")],
        )
        .await;
    assert_eq!(clash.status, 422);
    assert!(clash.body.contains("start_words"), "{}", clash.body);
    assert!(
        app.store
            .keyword_settings(app.account.id)
            .await
            .unwrap()
            .start_words
            .is_empty()
    );

    let nameless = b
        .post(
            "/settings/tokens",
            &[("csrf", &csrf), ("name", " "), ("scope", "full")],
        )
        .await;
    assert_eq!(nameless.status, 422);
    let unknown = b
        .post(
            "/settings/tokens",
            &[("csrf", &csrf), ("name", "x"), ("scope", "root")],
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("scope"));

    let before = app.store.list_tokens(app.account.id).await.unwrap().len();
    let forged = b
        .post("/settings/tokens", &[("name", "x"), ("scope", "full")])
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(
        app.store.list_tokens(app.account.id).await.unwrap().len(),
        before
    );

    let (other, other_token) = app.other_account("globex", TokenScope::Full).await;
    let theirs = &app.store.list_tokens(other.id).await.unwrap()[0];
    let refused = b
        .post(
            &format!("/settings/tokens/{}/revoke", theirs.id.0),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, 404);
    assert_eq!(
        api_status(&app, &other_token, "/api/v1/contacts").await,
        200
    );
    assert!(!b.get("/settings").await.body.contains(&theirs.prefix));
}
