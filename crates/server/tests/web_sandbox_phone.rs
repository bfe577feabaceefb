//! R7, R11, R22: the sandbox phone. In a real browser a newcomer opens a handset, writes to
//! the business number (which opts the handset in, R7), sees bote's reply arrive in the
//! handset's chat, and writes STOP (R11); plain HTTP checks that a handset shows only what
//! this account sent, and that the form needs the CSRF token and a business number of the
//! account.

mod support;
mod web;

use bote_domain::{PhoneNumber, Region, UserRole};
use fantoccini::Locator;
use serde_json::json;
use support::{Backend, HARNESS_WHATSAPP_NUMBER, eventually, spawn_app};
use web::Browser;
use web::driver::Driver;
use web::steps::{wait_for_chat, write_from_handset};

const HANDSET: &str = "+436769990001";

fn number(n: &str) -> PhoneNumber {
    PhoneNumber::parse(n, Region::AUSTRIA).unwrap()
}

/// R7, R11: opt in and out from the sandbox phone, seeing bote's answers on the handset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_opts_in_and_out_from_the_sandbox_phone() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, body) = app
        .req(reqwest::Method::PUT, "/api/v1/settings/keywords")
        .json(&json!({"replies": {"opted_in": "Welcome to acme!", "stopped": "Bye from acme."}}))
        .send()
        .await
        .map(|r| (r.status(), r))
        .unwrap();
    assert_eq!(status, 200, "{:?}", body.text().await);
    app.user("anna", "correct horse", UserRole::Owner).await;

    let driver = Driver::start("en-US").await;
    let c = &driver.client;
    c.goto(&app.url("/login")).await.unwrap();
    for (id, text) in [("username", "anna"), ("password", "correct horse")] {
        c.find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    c.find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css("h1")).await.unwrap();
    c.find(Locator::Css("a[href='/sandbox']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("handset-number"))
        .await
        .unwrap()
        .send_keys("0676 9990001")
        .await
        .unwrap();
    c.find(Locator::Id("open-handset"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let handset = c
        .wait()
        .for_element(Locator::Css("[data-testid=handset]"))
        .await
        .unwrap();
    assert_eq!(
        handset.attr("data-number").await.unwrap().as_deref(),
        Some(HANDSET)
    );

    // R7: the first message opts the handset in; the reply shows on the handset.
    write_from_handset(c, "Hello acme").await;
    let chat = wait_for_chat(c, "Welcome to acme!").await;
    assert!(chat.contains("Hello acme"), "{chat}");
    assert!(
        app.store
            .active_opt_in(app.account.id, &number(HANDSET))
            .await
            .unwrap()
            .is_some(),
        "R7: opted in"
    );
    driver.screenshot("sandbox-phone").await;

    // R11: STOP ends it.
    write_from_handset(c, "STOP").await;
    wait_for_chat(c, "Bye from acme.").await;
    assert!(
        app.store
            .active_opt_in(app.account.id, &number(HANDSET))
            .await
            .unwrap()
            .is_none(),
        "R11: opted out"
    );
    let handsets = c
        .find(Locator::Css("[data-testid=handsets]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(handsets.contains(HANDSET), "{handsets}");
    driver.screenshot("sandbox-phone-stop").await;

    c.find(Locator::Css(".lang-switch"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let h1 = c
        .wait()
        .for_element(Locator::XPath("//h1[text()='Sandbox-Telefon']"))
        .await
        .unwrap();
    assert!(h1.is_displayed().await.unwrap());
    let chat = c
        .find(Locator::Css("[data-testid=chat]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(chat.contains("Bye from acme."), "the handset stays open");
    driver.screenshot("sandbox-phone-de").await;
}

/// R22: another account's handset view shows none of acme's messages to the same number;
/// a message to a number that is not the account's is refused with the field named; a
/// form without the CSRF token changes nothing.
#[tokio::test]
async fn a_handset_shows_only_the_accounts_own_messages() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, send) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "sms", "text": "Secret acme offer", "to": {"numbers": [HANDSET]}}),
        )
        .await;
    assert_eq!(status, 202, "{send}");
    eventually(10, "the SMS in the sandbox inbox", || async {
        (!app.sandbox.sms.inbox().messages(HANDSET).is_empty()).then_some(())
    })
    .await;
    eventually(10, "the provider id recorded", || async {
        let (_, m) = app
            .get_json(&format!("/api/v1/messages?send={}", send["id"]))
            .await;
        m["data"][0]["provider_ids"]
            .as_array()
            .is_some_and(|ids| !ids.is_empty())
            .then_some(())
    })
    .await;

    app.user("anna", "correct horse", UserRole::Owner).await;
    let mut anna = Browser::new(&app.base);
    assert_eq!(anna.log_in("anna", "correct horse").await.status, 303);
    let mine = anna.get("/sandbox?number=%2B436769990001").await;
    assert_eq!(mine.status, 200);
    assert!(mine.body.contains("Secret acme offer"));
    assert!(mine.body.contains("data-testid=\"handsets\""));

    let mut gus = web::other_owner(&app, "globex", "gus", "globex pass").await;
    let theirs = gus.get("/sandbox?number=%2B436769990001").await;
    assert_eq!(theirs.status, 200);
    assert!(!theirs.body.contains("Secret acme offer"), "isolation");
    assert!(!theirs.body.contains("data-testid=\"handsets\""));

    let csrf = mine.csrf();
    let wrong = anna
        .post(
            "/sandbox/inbound",
            &[
                ("csrf", &csrf),
                ("from", HANDSET),
                ("to", "whatsapp:+43800999999"),
                ("text", "Hi"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("to: "), "names the field");
    let forged = anna
        .post(
            "/sandbox/inbound",
            &[
                ("from", HANDSET),
                ("to", &format!("whatsapp:{HARNESS_WHATSAPP_NUMBER}")),
                ("text", "Hi"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    let (_, inbound) = app.get_json("/api/v1/inbound").await;
    assert_eq!(inbound["data"].as_array().unwrap().len(), 0, "{inbound}");
}
