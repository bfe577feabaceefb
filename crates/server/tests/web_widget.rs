//! R8 in a real browser: the opt-in widget inside an iframe, and inserted by its script tag,
//! on a shop page served from a different origin; a visitor asks for the SMS there. The
//! settings page's live preview follows the form. Screenshots land in
//! `target/web-screenshots/` (widget-*.png).

mod support;
mod web;

use axum::response::Html;
use axum::routing::get;
use bote_domain::UserRole;
use fantoccini::Locator;
use support::{Backend, TestApp, eventually, spawn_app};
use web::driver::Driver;

/// A business's own website on another origin (`localhost` and its own port, where bote
/// is `127.0.0.1`): the widget in an iframe, and again by the embedding script.
async fn shop_site(app: &TestApp, widget_url: &str) -> String {
    let html = format!(
        "<!doctype html><html><head><title>Acme Shop</title></head>\
         <body style=\"font-family:sans-serif;background:#f1f5f9;margin:24px\">\
         <h1>Acme Shop</h1><p>Our news on WhatsApp:</p>\
         <div style=\"display:flex;gap:24px\">\
         <iframe id=\"framed\" src=\"{widget_url}\" title=\"widget\" \
           style=\"width:420px;height:560px;border:0\"></iframe>\
         <div id=\"scripted\"><script src=\"{widget_url}/embed.js\" async></script></div>\
         </div></body></html>"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = axum::Router::new().route("/", get(move || async move { Html(html) }));
    tokio::spawn(async move { axum::serve(listener, router).await });
    assert!(app.base.starts_with("http://127.0.0.1:"));
    format!("http://localhost:{port}/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_uses_the_widget_on_another_site() {
    let app = spawn_app(Backend::Sqlite).await;
    let widget = app.store.widget(app.account.id).await.unwrap();
    let widget_url = app.url(&format!("/w/{}", widget.public_id));
    let shop = shop_site(&app, &widget_url).await;

    let driver = Driver::start("de-AT").await;
    let c = &driver.client;
    c.goto(&shop).await.unwrap();
    // The script tag inserted a second iframe of the widget.
    eventually(10, "the script-inserted iframe", || async {
        c.find(Locator::Css("#scripted iframe")).await.ok()
    })
    .await;
    driver.screenshot("widget-shop").await;
    // Inside the shop's flex row it keeps the widget's width, not a collapsed sliver.
    let width = c
        .execute(
            "return document.querySelector('#scripted iframe').getBoundingClientRect().width",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert_eq!(width, 420.0, "the script-inserted iframe's width");

    let frame = c.find(Locator::Id("framed")).await.unwrap();
    frame.enter_frame().await.unwrap();
    let title = c
        .find(Locator::Css(".bw-title"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(title, "acme auf WhatsApp");
    let hp = c.find(Locator::Id("bw-website")).await.unwrap();
    assert!(
        !hp.is_displayed().await.unwrap(),
        "people never see the honeypot"
    );
    c.find(Locator::Id("bw-number"))
        .await
        .unwrap()
        .send_keys("0664 7654321")
        .await
        .unwrap();
    c.find(Locator::Css("button.bw-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let done = c
        .wait()
        .for_element(Locator::Css("[data-testid=widget-sent]"))
        .await
        .unwrap();
    assert!(done.text().await.unwrap().contains("Fast geschafft"));
    c.enter_parent_frame().await.unwrap();
    driver.screenshot("widget-shop-sent").await;

    let text = eventually(10, "the widget SMS", || async {
        app.sandbox
            .sms
            .inbox()
            .messages("+436647654321")
            .pop()
            .map(|m| m.text)
    })
    .await;
    assert!(text.contains("https://wa.me/43800000001"), "{text}");
}

/// R8: the settings page shows changes in its preview while they are typed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_settings_preview_follows_the_form() {
    let app = spawn_app(Backend::Sqlite).await;
    app.user("anna", "correct horse", UserRole::Owner).await;
    let driver = Driver::start("en-US").await;
    let c = &driver.client;
    driver
        .log_in(&app.url("/login"), "anna", "correct horse")
        .await;
    c.wait()
        .for_element(Locator::Css("[data-testid=logout]"))
        .await
        .unwrap();
    c.goto(&app.url("/settings/widget")).await.unwrap();

    let preview_title = || async {
        c.find(Locator::Css("#widget-preview .bw-title"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert_eq!(preview_title().await, "acme auf WhatsApp");
    c.find(Locator::Id("title"))
        .await
        .unwrap()
        .send_keys("News from Acme")
        .await
        .unwrap();
    assert_eq!(preview_title().await, "News from Acme");
    // The language switches the defaults of the texts left empty.
    c.execute(
        "const f = document.getElementById('widget-look');\
         f.elements.language.value = 'en';\
         f.elements.primary_color.value = '#b91c1c';\
         f.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await
    .unwrap();
    let button = c
        .find(Locator::Css("#widget-preview .bw-button"))
        .await
        .unwrap();
    assert_eq!(button.text().await.unwrap(), "Send me the SMS");
    let colour = c
        .execute(
            "return getComputedStyle(document.querySelector('#widget-preview .bw-button')).backgroundColor;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(colour, "rgb(185, 28, 28)");
    driver.screenshot("widget-settings").await;

    c.find(Locator::Id("save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("[data-testid=saved]"))
        .await
        .unwrap();
    let saved = app.store.widget(app.account.id).await.unwrap();
    assert_eq!(saved.look.title.as_deref(), Some("News from Acme"));
    assert_eq!(saved.look.language, "en");
    assert_eq!(saved.look.primary_color, "#b91c1c");
}
