//! R22, the whole day's work in one browser, on PostgreSQL: an owner logs in, creates a
//! group, imports contacts into it, opts one in from the sandbox phone (R7, R10), sends a
//! WhatsApp message to the group (R16, R17: only the opted-in contact gets it), watches the
//! send finish without reloading, finds it in the statistics chart (R21); then a visitor of
//! the business's own website, on another origin, asks for the opt-in SMS through the
//! widget's script snippet copied from the settings (R8) and opts in from the handset that
//! received it. Screenshots land in `target/web-screenshots/journey-*.png`.

mod support;
mod web;

use std::time::Duration;

use axum::response::Html;
use axum::routing::get;
use bote_domain::UserRole;
use fantoccini::Locator;
use support::{Backend, HARNESS_WHATSAPP_NUMBER, eventually, spawn_app_with};
use web::driver::{Driver, screenshot_dir};
use web::steps::{click, open_handset, text_of, type_into, wait_for_chat, write_from_handset};

/// Bert has a WhatsApp number but never opted in; Carl has none.
const CSV: &str = "first_name,sms_number,whatsapp_number,groups\n\
    Anna,0676 1000001,,NEWS\n\
    Bert,0676 1000002,0676 1000002,NEWS\n\
    Carl,0676 1000003,,NEWS\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_works_through_a_day_in_the_browser() {
    let app = spawn_app_with(Backend::Postgres, |c| {
        // Slow enough to see the send running, fast enough for a test.
        c.sandbox_delivery_delay = Duration::from_millis(1500);
    })
    .await;
    app.user("anna", "correct horse", UserRole::Owner).await;
    let driver = Driver::start("en-US").await;
    let c = &driver.client;

    // Log in.
    driver
        .log_in(&app.url("/login"), "anna", "correct horse")
        .await;
    c.wait()
        .for_element(Locator::Css("[data-testid=logout]"))
        .await
        .unwrap();

    // A group for the newsletter.
    click(c, "a[href='/groups']").await;
    type_into(c, "group-code", "news").await;
    type_into(c, "group-name", "Newsletter").await;
    c.find(Locator::Id("create-group"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let groups = text_of(c, "[data-testid=groups]").await;
    assert!(
        groups.contains("Newsletter") && groups.contains("NEWS"),
        "{groups}"
    );
    driver.screenshot("journey-group").await;

    // R15: three contacts imported into it from a file.
    let file = screenshot_dir()
        .canonicalize()
        .unwrap()
        .join("journey-contacts.csv");
    std::fs::write(&file, CSV).unwrap();
    click(c, "a[href='/contacts']").await;
    click(c, "[data-testid=import-contacts]").await;
    c.wait()
        .for_element(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    c.find(Locator::Id("import"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("[data-testid=import-done]"))
        .await
        .unwrap();
    assert_eq!(text_of(c, "[data-testid=created]").await, "3");
    driver.screenshot("journey-import").await;
    click(c, "a[href='/groups']").await;
    assert_eq!(text_of(c, "a[href='/contacts?group=NEWS']").await, "3");

    // R7, R10: Anna's phone writes START NEWS to the business's WhatsApp number.
    click(c, "a[href='/sandbox']").await;
    open_handset(c, "0676 1000001").await;
    write_from_handset(c, "START NEWS").await;
    click(c, "a[href='/optins']").await;
    let optins = eventually(15, "Anna in the opt-in list", || async {
        c.refresh().await.ok()?;
        let table = c.find(Locator::Css("[data-testid=optins]")).await.ok()?;
        let text = table.text().await.ok()?;
        text.contains("+436761000001").then_some(text)
    })
    .await;
    assert!(!optins.contains("+436761000002"), "{optins}");
    driver.screenshot("journey-optins").await;

    // R16, R17: a WhatsApp message to the group reaches only the opted-in contact.
    click(c, "a[href='/send']").await;
    click(c, "#channel-whatsapp").await;
    type_into(c, "text", "New offers this week ☀").await;
    type_into(c, "groups", "news").await;
    c.find(Locator::Id("preview"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text_of(c, "[data-testid=accepted]").await, "1");
    let skipped = text_of(c, "[data-testid=skipped]").await;
    assert!(skipped.contains("+436761000002: no_opt_in"), "{skipped}");
    assert_eq!(skipped.matches("no_number").count(), 1, "Carl: {skipped}");
    c.execute(
        "document.querySelector('[data-testid=preview]').scrollIntoView(); return null;",
        vec![],
    )
    .await
    .unwrap();
    driver.screenshot("journey-preview").await;
    c.find(Locator::Id("send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // The send page follows it live until it is delivered.
    c.wait()
        .for_element(Locator::Css("[data-testid=send-counts]"))
        .await
        .unwrap();
    let delivered = Locator::Css("[data-field='counts.delivered']");
    eventually(20, "the send page to show it delivered", || async {
        let text = c.find(delivered).await.ok()?.text().await.ok()?;
        (text == "1").then_some(())
    })
    .await;
    assert_eq!(text_of(c, "[data-field='counts.skipped']").await, "2");
    eventually(5, "the live mark to go", || async {
        let live = c.find(Locator::Css("[data-testid=live]")).await.ok()?;
        (!live.is_displayed().await.ok()?).then_some(())
    })
    .await;
    assert_eq!(text_of(c, "[data-testid=send-state]").await, "finished");
    driver.screenshot("journey-send-done").await;

    // Anna's phone shows the message.
    click(c, "a[href='/sandbox']").await;
    open_handset(c, "0676 1000001").await;
    wait_for_chat(c, "New offers this week ☀").await;

    // R21: today's WhatsApp bar in the statistics chart counts it, beside bote's reply.
    click(c, "a[href='/stats']").await;
    let titles = c
        .wait()
        .for_element(Locator::Css("[data-testid=stats-chart]"))
        .await
        .unwrap()
        .find_all(Locator::Css("rect.bar-whatsapp title"))
        .await
        .unwrap();
    let mut counted = Vec::new();
    for t in titles {
        let text = t.html(true).await.unwrap();
        if !text.ends_with(": 0") {
            counted.push(text);
        }
    }
    assert_eq!(
        counted.len(),
        1,
        "one day with WhatsApp messages: {counted:?}"
    );
    assert!(
        counted[0].ends_with("whatsapp: 2"),
        "the reply to START NEWS and the send: {counted:?}"
    );
    driver.screenshot("journey-stats").await;

    // R8: the widget's script snippet, copied from the settings onto the shop's own site.
    click(c, "a[href='/settings']").await;
    click(c, "a[href='/settings/widget']").await;
    let snippet = c
        .find(Locator::Id("snippet-script"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .expect("the script snippet");
    assert!(snippet.contains("/embed.js"), "{snippet}");
    let shop = shop_site(&snippet).await;
    c.goto(&shop).await.unwrap();
    let frame = c
        .wait()
        .for_element(Locator::Css("#newsletter iframe"))
        .await
        .unwrap();
    driver.screenshot("journey-shop").await;
    frame.enter_frame().await.unwrap();
    c.wait()
        .for_element(Locator::Id("bw-number"))
        .await
        .unwrap()
        .send_keys("0676 1000003")
        .await
        .unwrap();
    c.find(Locator::Css("button.bw-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("[data-testid=widget-sent]"))
        .await
        .unwrap();
    c.enter_parent_frame().await.unwrap();
    driver.screenshot("journey-shop-sent").await;

    // Carl's phone got the SMS with the business's WhatsApp link and writes to it (R7).
    c.goto(&app.url("/sandbox")).await.unwrap();
    open_handset(c, "0676 1000003").await;
    let digits = HARNESS_WHATSAPP_NUMBER.trim_start_matches('+');
    wait_for_chat(c, &format!("https://wa.me/{digits}")).await;
    write_from_handset(c, "Hello").await;
    driver.screenshot("journey-widget-sms").await;
    click(c, "a[href='/optins']").await;
    eventually(15, "Carl in the opt-in list", || async {
        c.refresh().await.ok()?;
        let table = c.find(Locator::Css("[data-testid=optins]")).await.ok()?;
        let text = table.text().await.ok()?;
        text.contains("+436761000003").then_some(())
    })
    .await;
    let active = text_of(c, "[data-testid=optins-active]").await;
    assert!(active.ends_with(": 2"), "{active}");
    driver.screenshot("journey-optins-2").await;

    c.clone().close().await.unwrap();
}

/// The business's own website on another origin (`localhost` where bote is `127.0.0.1`),
/// with the widget's script snippet in a narrow column beside its text.
async fn shop_site(snippet: &str) -> String {
    let html = format!(
        "<!doctype html><html><head><title>Acme Shop</title></head>\
         <body style=\"font-family:sans-serif;background:#f1f5f9;margin:24px\">\
         <h1>Acme Shop</h1>\
         <div style=\"display:flex;gap:24px\"><p style=\"flex:1\">Our news on WhatsApp.</p>\
         <div id=\"newsletter\">{snippet}</div></div></body></html>"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = axum::Router::new().route("/", get(move || async move { Html(html) }));
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://localhost:{port}/")
}
