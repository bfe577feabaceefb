//! R9, R13, R22: the WhatsApp opt-ins pages. A real browser lists the opt-ins, searches one,
//! opens its consent ledger and revokes it after the confirm step; plain HTTP checks paging,
//! the CSV exports, CSRF, and that an account sees and revokes only its own opt-ins.

mod support;
mod web;

use bote_domain::{PhoneNumber, Region, UserRole};
use bote_store::{ConsentEvent, ConsentSource, SourceKind};
use fantoccini::Locator;
use support::{Backend, HARNESS_WHATSAPP_NUMBER, TestApp, spawn_app};
use web::Browser;
use web::driver::Driver;

fn number(n: &str) -> PhoneNumber {
    PhoneNumber::parse(n, Region::AUSTRIA).unwrap()
}

/// Gives `n` an opt-in of acme as the first message to the business number would (R7).
async fn opt_in(app: &TestApp, n: &str) {
    app.store
        .give_opt_in(
            app.account.id,
            &number(n),
            ConsentSource {
                kind: SourceKind::Inbound,
                reference: Some("test".into()),
                text: Some("Hallo".into()),
                business_number: Some(HARNESS_WHATSAPP_NUMBER.into()),
            },
            None,
        )
        .await
        .unwrap();
}

async fn logged_in(app: &TestApp, lang: &str) -> Browser {
    app.user("anna", "correct horse", UserRole::Owner).await;
    let mut b = Browser::new(&app.base);
    b.headers.insert("accept-language", lang.parse().unwrap());
    assert_eq!(b.log_in("anna", "correct horse").await.status, 303);
    b
}

/// R9, R13: the list shows number, business number, source and date; the search finds one
/// number; its ledger shows the opt-in; revoking asks first, then ends the opt-in with a
/// ledger entry naming the user. German and English.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opt_in_is_found_inspected_and_revoked_in_the_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    for n in ["+436761000001", "+436761000002", "+436761000003"] {
        opt_in(&app, n).await;
    }
    app.user("anna", "correct horse", UserRole::Owner).await;

    let driver = Driver::start("en-US").await;
    let c = &driver.client;
    driver
        .log_in(&app.url("/login"), "anna", "correct horse")
        .await;
    c.wait().for_element(Locator::Css("h1")).await.unwrap();
    c.find(Locator::Css("a[href='/optins']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let table = c
        .wait()
        .for_element(Locator::Css("[data-testid=optins]"))
        .await
        .unwrap();
    let text = table.text().await.unwrap();
    for n in ["+436761000001", "+436761000002", "+436761000003"] {
        assert!(text.contains(n), "R9: {n} listed: {text}");
    }
    assert!(text.contains(HARNESS_WHATSAPP_NUMBER), "business number");
    assert!(text.contains("inbound"), "source");
    let active = c
        .find(Locator::Css("[data-testid=optins-active]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(active.ends_with('3'), "{active}");
    driver.screenshot("optins").await;

    // The search finds one number, written as a person would.
    let search = c
        .find(Locator::Css("[data-testid=optin-search]"))
        .await
        .unwrap();
    search.send_keys("0676 1000002").await.unwrap();
    c.find(Locator::Css("form[role=search] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    support::eventually(10, "the search result", || async {
        let url = c.current_url().await.unwrap();
        url.query().is_some_and(|q| q.contains("q=")).then_some(())
    })
    .await;
    let rows = c
        .find_all(Locator::Css("[data-testid=optins] tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].text().await.unwrap().contains("+436761000002"));

    // Its ledger, then the revoke with its confirm step.
    c.find(Locator::Css(
        "[data-testid=optins] tbody a[href^='/optins/']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let ledger = c
        .wait()
        .for_element(Locator::Css("[data-testid=ledger]"))
        .await
        .unwrap();
    assert!(ledger.text().await.unwrap().contains("opt_in"));
    driver.screenshot("optin-ledger").await;
    c.find(Locator::Css("[data-testid=revoke]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let question = c
        .wait()
        .for_element(Locator::Css("[data-testid=revoke-question]"))
        .await
        .unwrap();
    assert!(question.text().await.unwrap().contains("+436761000002"));
    assert!(
        app.store
            .active_opt_in(app.account.id, &number("+436761000002"))
            .await
            .unwrap()
            .is_some(),
        "R13: nothing ends before the confirmation"
    );
    driver.screenshot("optin-revoke").await;
    c.find(Locator::Id("confirm-revoke"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let state = c
        .wait()
        .for_element(Locator::Css("[data-testid=optin-state]"))
        .await
        .unwrap();
    assert_eq!(state.text().await.unwrap(), "No active opt-in");
    let ledger = c
        .find(Locator::Css("[data-testid=ledger]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ledger.contains("revoked"), "{ledger}");

    let n = number("+436761000002");
    assert!(
        app.store
            .active_opt_in(app.account.id, &n)
            .await
            .unwrap()
            .is_none()
    );
    let entries = app.store.consent_ledger(app.account.id, &n).await.unwrap();
    let last = entries.last().unwrap();
    assert_eq!(last.event, ConsentEvent::Revoked);
    assert_eq!(
        last.source,
        SourceKind::User,
        "R13: the business revoked it"
    );
    assert!(last.reference.as_deref().unwrap().starts_with("user "));
    assert_eq!(
        app.store.active_opt_in_count(app.account.id).await.unwrap(),
        2
    );

    // The same list in German.
    c.find(Locator::Css(".lang-switch"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.goto(&app.url("/optins")).await.unwrap();
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(h1, "WhatsApp-Opt-ins");
    driver.screenshot("optins-de").await;
}

/// R9, R22: 50 opt-ins a page, newest first, then the next page; the CSV export holds every
/// active opt-in and the ledger export the number's events.
#[tokio::test]
async fn the_opt_in_list_pages_and_exports() {
    let app = spawn_app(Backend::Sqlite).await;
    for i in 0..55 {
        opt_in(&app, &format!("+4367620000{i:02}")).await;
    }
    let mut b = logged_in(&app, "en").await;
    let first = b.get("/optins").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body.matches("data-testid=\"revoke\"").count(), 50);
    assert!(first.body.contains("+436762000054"), "newest first");
    assert!(!first.body.contains("+436762000004"));
    let next = first
        .body
        .split("data-testid=\"next-page\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a next-page link")
        .to_owned();
    let second = b.get(&next).await;
    assert_eq!(second.body.matches("data-testid=\"revoke\"").count(), 5);
    assert!(second.body.contains("+436762000000"));
    assert!(!second.body.contains("data-testid=\"next-page\""));

    let csv = b.get("/optins/export").await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "number,business_number,source,given_at");
    assert_eq!(lines.len(), 56, "a header and every opt-in");
    assert!(lines[1].starts_with("+436762000054,+43800000001,inbound,"));

    let ledger = b.get("/optins/%2B436762000007/ledger.csv").await;
    assert_eq!(ledger.status, 200);
    assert!(ledger.body.starts_with("at,number,event,"));
    assert!(ledger.body.contains(",+436762000007,opt_in,inbound,test,"));

    let bad = b.get("/optins?q=12x").await;
    assert_eq!(bad.status, 200);
    assert!(
        bad.body.contains("class=\"alert\""),
        "the search names the error"
    );
}

/// R13, R22: a revoke without the session's CSRF token changes nothing; another account's
/// user sees none of acme's opt-ins and cannot revoke them; an account manager has no
/// opt-in list; without a login the page sends to the login form.
#[tokio::test]
async fn opt_ins_stay_within_their_account_and_need_the_csrf_token() {
    let app = spawn_app(Backend::Sqlite).await;
    opt_in(&app, "+436761000001").await;
    let mut anna = logged_in(&app, "en").await;
    let forged = anna
        .post("/optins/%2B436761000001/revoke", &[("csrf", "nope")])
        .await;
    assert_eq!(forged.status, 403);
    let n = number("+436761000001");
    assert!(
        app.store
            .active_opt_in(app.account.id, &n)
            .await
            .unwrap()
            .is_some()
    );

    let mut gus = web::other_owner(&app, "globex", "gus", "globex pass").await;
    let list = gus.get("/optins").await;
    assert_eq!(list.status, 200);
    assert!(!list.body.contains("+436761000001"));
    assert_eq!(gus.get("/optins/%2B436761000001").await.status, 404);
    assert_eq!(gus.get("/optins/%2B436761000001/revoke").await.status, 404);
    let page = gus.get("/optins").await;
    let theirs = gus
        .post("/optins/%2B436761000001/revoke", &[("csrf", &page.csrf())])
        .await;
    assert_eq!(theirs.status, 404);
    assert!(
        app.store
            .active_opt_in(app.account.id, &n)
            .await
            .unwrap()
            .is_some(),
        "still active"
    );
    assert!(
        !gus.get("/optins/export")
            .await
            .body
            .contains("+436761000001")
    );

    app.user("max", "manager pass", UserRole::AccountManager)
        .await;
    let mut max = Browser::new(&app.base);
    assert_eq!(max.log_in("max", "manager pass").await.status, 303);
    assert_eq!(max.get("/optins").await.status, 403);

    let mut nobody = Browser::new(&app.base);
    let away = nobody.get("/optins").await;
    assert_eq!(away.status, 303);
    assert_eq!(away.location(), "/login");
}
