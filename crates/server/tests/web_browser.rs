//! R22 in a real browser: headless Chromium logs in, sees the dashboard with a send, switches
//! the language, logs out; an account manager reaches the admin area. Screenshots of each
//! page land in `target/web-screenshots/`.

mod support;
mod web;

use std::time::Duration;

use bote_domain::UserRole;
use fantoccini::Locator;
use serde_json::json;
use support::{Backend, eventually, spawn_app};
use web::driver::Driver;

/// R22: one browser walks through the pages of this part of the web interface.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_logs_in_sees_the_dashboard_and_logs_out() {
    let app = spawn_app(Backend::Sqlite).await;
    app.user("anna", "correct horse", UserRole::Owner).await;
    app.user("max", "manager pass", UserRole::AccountManager)
        .await;
    let (status, send) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "sms", "text": "Hello", "to": {"numbers": ["0676 1000001", "0676 1000002"]}}),
        )
        .await;
    assert_eq!(status, 202, "{send}");
    let send_id = send["id"].as_i64().unwrap();
    eventually(10, "the send to finish", || async {
        let (_, s) = app.get_json(&format!("/api/v1/sends/{send_id}")).await;
        (s["counts"]["delivered"] == 2).then_some(())
    })
    .await;

    let driver = Driver::start("en-US").await;
    let c = &driver.client;

    // Not logged in: the login form, in the browser's language.
    c.goto(&app.url("/")).await.unwrap();
    assert!(c.current_url().await.unwrap().path() == "/login");
    let heading = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Sign in");
    driver.screenshot("login").await;

    // A wrong password shows the error and keeps the name.
    c.find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("anna")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("wrong")
        .await
        .unwrap();
    c.find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let alert = c.wait().for_element(Locator::Css(".alert")).await.unwrap();
    assert_eq!(alert.text().await.unwrap(), "Wrong user name or password.");
    driver.screenshot("login-error").await;

    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("correct horse")
        .await
        .unwrap();
    c.find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let table = c
        .wait()
        .for_element(Locator::Css("[data-testid=recent-sends]"))
        .await
        .unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/");
    let rows = table.text().await.unwrap();
    assert!(rows.contains(&format!("#{send_id}")), "{rows}");
    assert!(rows.contains("sms"), "{rows}");
    let cookie = c.get_named_cookie("bote_session").await.unwrap();
    assert_eq!(
        cookie.http_only(),
        Some(true),
        "scripts cannot read the session"
    );
    driver.screenshot("dashboard").await;

    // The switch turns the page German and keeps it so.
    c.find(Locator::Css(".lang-switch"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::XPath("//h1[text()='Übersicht']"))
        .await
        .unwrap();
    c.refresh().await.unwrap();
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(h1, "Übersicht");
    driver.screenshot("dashboard-de").await;

    // R21: the statistics page draws its chart in SVG, without a script library.
    c.goto(&app.url("/stats")).await.unwrap();
    let chart = c
        .wait()
        .for_element(Locator::Css("[data-testid=stats-chart]"))
        .await
        .unwrap();
    let bars = chart.find_all(Locator::Css("rect")).await.unwrap();
    assert_eq!(bars.len(), 30 * 4, "30 days, four channels");
    let table = c
        .find(Locator::Css("[data-testid=stats-table]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .to_lowercase();
    assert!(
        table.contains("whatsapp") && table.contains("voice"),
        "{table}"
    );
    driver.screenshot("stats").await;
    c.goto(&app.url("/stats?interval=month")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("[data-testid=stats-chart]"))
        .await
        .unwrap();
    driver.screenshot("stats-month").await;

    // R15: the contacts list, a contact created through the form, the groups page.
    app.create_group("news").await;
    app.create_contact(
        json!({"first_name": "Bert", "sms_number": "0676 1000002", "groups": ["NEWS"]}),
    )
    .await;
    c.goto(&app.url("/contacts/new")).await.unwrap();
    for (id, value) in [
        ("first_name", "Anna"),
        ("sms_number", "0676 1000001"),
        ("groups", "news"),
    ] {
        c.find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    driver.screenshot("contact-new").await;
    c.find(Locator::Id("save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("delete")).await.unwrap();
    c.goto(&app.url("/contacts")).await.unwrap();
    let contacts = c
        .wait()
        .for_element(Locator::Css("[data-testid=contacts]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        contacts.contains("Anna") && contacts.contains("Bert"),
        "{contacts}"
    );
    driver.screenshot("contacts").await;
    c.goto(&app.url("/groups")).await.unwrap();
    let groups = c
        .wait()
        .for_element(Locator::Css("[data-testid=groups]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(groups.contains("NEWS") && groups.contains('2'), "{groups}");
    driver.screenshot("groups").await;

    // R16: the send page asks for the channel first, previews, then sends.
    c.goto(&app.url("/send")).await.unwrap();
    driver.screenshot("send-channel").await;
    c.find(Locator::Id("channel-sms"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("text"))
        .await
        .unwrap()
        .send_keys("Grüße aus Wien")
        .await
        .unwrap();
    c.find(Locator::Id("numbers"))
        .await
        .unwrap()
        .send_keys("0676 1000003\n12x")
        .await
        .unwrap();
    c.find(Locator::Id("groups"))
        .await
        .unwrap()
        .send_keys("news")
        .await
        .unwrap();
    c.find(Locator::Id("preview"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let accepted = c
        .wait()
        .for_element(Locator::Css("[data-testid=accepted]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(accepted, "3", "one number and the two NEWS contacts");
    driver.screenshot("send-preview").await;
    c.find(Locator::Id("send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let counts = c
        .wait()
        .for_element(Locator::Css("[data-testid=send-counts]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(counts.contains("skipped"), "{counts}");
    driver.screenshot("send-detail").await;
    c.goto(&app.url("/")).await.unwrap();

    // Small screens: the same page still fits.
    c.set_window_size(390, 800).await.unwrap();
    driver.screenshot("dashboard-mobile").await;
    c.goto(&app.url("/stats")).await.unwrap();
    driver.screenshot("stats-mobile").await;
    let stats_width: i64 = c
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert!(stats_width <= 390, "statistics fit a phone: {stats_width}");
    c.goto(&app.url("/")).await.unwrap();
    let width: i64 = c
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert!(width <= 390, "no sideways scrolling on a phone: {width}");
    c.set_window_size(1280, 860).await.unwrap();

    // Logging out leads back to the form; the dashboard needs a login again.
    c.find(Locator::Css("[data-testid=logout]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("sign-in")).await.unwrap();
    c.goto(&app.url("/")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/login");

    // An account manager lands in the admin area.
    c.find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("max")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("manager pass")
        .await
        .unwrap();
    c.find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_url(&url::Url::parse(&app.url("/admin")).unwrap())
        .await
        .unwrap();
    let accounts = c
        .find(Locator::Css("table"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(accounts.contains("acme"), "{accounts}");
    driver.screenshot("admin").await;

    c.clone().close().await.unwrap();
}
