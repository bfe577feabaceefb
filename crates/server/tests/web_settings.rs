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
use web::steps::save;

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
    save(c, "save-callbacks").await;
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
    save(c, "save-keywords").await;
    driver.screenshot("settings").await;
    let k = app.store.keyword_settings(app.account.id).await.unwrap();
    assert_eq!(k.start_words, ["JA", "GO"]);
    assert_eq!(k.replies.opted_in.as_deref(), Some("Willkommen!"));
    assert!(k.sms_keywords);

    // The account's time zone and the user's own email address, in one form.
    c.find(Locator::Id("time-zone"))
        .await
        .unwrap()
        .select_by_label("Asia/Kolkata")
        .await
        .unwrap();
    let email = c.find(Locator::Id("email")).await.unwrap();
    email.clear().await.unwrap();
    email.send_keys("anna@laden.example").await.unwrap();
    save(c, "save-account").await;
    let account = app.store.account(app.account.id).await.unwrap();
    assert_eq!(account.time_zone, Some(chrono_tz::Asia::Kolkata));
    let users = app.store.list_users(app.account.id).await.unwrap();
    assert_eq!(users[0].email.as_deref(), Some("anna@laden.example"));
    let shown = c
        .find(Locator::Css("#time-zone option:checked"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(shown, "Asia/Kolkata", "the saved zone is the one selected");
}

/// The account form sets the account's zone and the logged-in user's own address: refused
/// input names its field and saves neither; another account's owner changes only their own;
/// empty values return to the server's default and remove the address.
#[tokio::test]
async fn the_account_form_sets_the_zone_and_the_users_own_email() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut b = logged_in(&app).await;
    let page = b.get("/settings").await;
    assert!(
        page.body
            .contains("<option value=\"\">Server default: Europe/Vienna</option>"),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    let save = |zone: &'static str, email: &'static str| [("time_zone", zone), ("email", email)];
    let zone_of = |id| {
        let store = app.store.clone();
        async move { store.account(id).await.unwrap().time_zone }
    };
    let email_of = |id| {
        let store = app.store.clone();
        async move { store.list_users(id).await.unwrap()[0].email.clone() }
    };

    for (fields, named) in [
        (save("Mars/Olympus", "anna@laden.example"), "time_zone"),
        (save("Asia/Kolkata", "anna at laden"), "email"),
    ] {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields);
        let refused = b.post("/settings/account", &form).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert!(
            refused.body.contains(&format!("{named}: ")),
            "names {named}: {}",
            refused.body
        );
        assert!(
            refused.body.contains(&format!("value=\"{}\"", fields[1].1)),
            "keeps the input"
        );
        assert_eq!(zone_of(app.account.id).await, None, "nothing saved");
        assert_eq!(email_of(app.account.id).await, None, "nothing saved");
    }
    let forged = b
        .post(
            "/settings/account",
            &save("Asia/Kolkata", "anna@laden.example"),
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(zone_of(app.account.id).await, None);

    let mut form = vec![("csrf", csrf.as_str())];
    form.extend(save("Asia/Kolkata", "anna@laden.example"));
    let saved = b.post("/settings/account", &form).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.location(), "/settings?saved=1#account");
    assert_eq!(
        zone_of(app.account.id).await,
        Some(chrono_tz::Asia::Kolkata)
    );
    assert_eq!(
        email_of(app.account.id).await.as_deref(),
        Some("anna@laden.example")
    );
    let page = b.get("/settings").await;
    assert!(page.body.contains("<option selected>Asia/Kolkata</option>"));
    assert!(page.body.contains("value=\"anna@laden.example\""));

    // The owner of another account saves their own zone and address only.
    let mut other = web::other_owner(&app, "globex", "gus", "gus password").await;
    let other_csrf = other.get("/settings").await.csrf();
    let mut form = vec![("csrf", other_csrf.as_str())];
    form.extend(save("America/New_York", "gus@globex.example"));
    assert_eq!(other.post("/settings/account", &form).await.status, 303);
    let globex = app.store.account_by_name("globex").await.unwrap();
    assert_eq!(zone_of(globex.id).await, Some(chrono_tz::America::New_York));
    assert_eq!(
        email_of(globex.id).await.as_deref(),
        Some("gus@globex.example")
    );
    assert_eq!(
        zone_of(app.account.id).await,
        Some(chrono_tz::Asia::Kolkata)
    );
    assert_eq!(
        email_of(app.account.id).await.as_deref(),
        Some("anna@laden.example")
    );

    let mut form = vec![("csrf", csrf.as_str())];
    form.extend(save("", " "));
    assert_eq!(b.post("/settings/account", &form).await.status, 303);
    assert_eq!(zone_of(app.account.id).await, None, "the server's default");
    assert_eq!(email_of(app.account.id).await, None);
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
