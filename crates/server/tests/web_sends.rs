//! R22: the sends pages over real HTTP and in a real browser: the history with counts by
//! status, a send's live progress (polled JSON, shown without reloading the page, stopping
//! when nothing is left to change), pause, resume and cancel through forms with the CSRF
//! token, each message with its status timeline; another account sees none of it.

mod support;
mod web;

use std::time::Duration;

use bote_domain::UserRole;
use fantoccini::Locator;
use serde_json::{Value, json};
use support::{Backend, TestApp, eventually, spawn_app, spawn_app_with};
use web::Browser;
use web::driver::Driver;

async fn logged_in(app: &TestApp) -> Browser {
    app.user("anna", "correct horse", UserRole::Owner).await;
    let mut b = Browser::new(&app.base);
    b.headers.insert("accept-language", "en".parse().unwrap());
    assert_eq!(b.log_in("anna", "correct horse").await.status, 303);
    b
}

async fn send(app: &TestApp, body: Value) -> i64 {
    let (status, send) = app.post_json("/api/v1/sends", body).await;
    assert_eq!(status, 202, "{send}");
    send["id"].as_i64().unwrap()
}

async fn state_of(app: &TestApp, id: i64) -> Value {
    app.get_json(&format!("/api/v1/sends/{id}")).await.1["state"].clone()
}

async fn progress(b: &mut Browser, id: i64) -> (u16, Value) {
    let page = b.get(&format!("/sends/{id}/progress.json")).await;
    let body = serde_json::from_str(&page.body).unwrap_or(Value::Null);
    (page.status.as_u16(), body)
}

/// R22: history, progress, pause/resume/cancel with CSRF, message timeline, isolation.
#[tokio::test]
async fn sends_are_listed_followed_controlled_and_drilled_into() {
    let app = spawn_app(Backend::Sqlite).await;
    let done_id = send(
        &app,
        json!({"channel": "sms", "text": "Hallo", "to": {"numbers": ["0676 1000001", "12x"]}}),
    )
    .await;
    let later_id = send(
        &app,
        json!({"channel": "sms", "text": "Später", "schedule_at": "2099-01-01T08:00:00Z",
            "to": {"numbers": ["0676 1000002", "0676 1000003"]}}),
    )
    .await;
    eventually(10, "the first send delivered", || async {
        let (_, s) = app.get_json(&format!("/api/v1/sends/{done_id}")).await;
        (s["counts"]["delivered"] == 1).then_some(())
    })
    .await;
    let mut b = logged_in(&app).await;

    let list = b.get("/sends").await;
    assert_eq!(list.status, 200);
    let body = &list.body;
    let newest = body
        .find(&format!("href=\"/sends/{later_id}\""))
        .expect("listed");
    let older = body
        .find(&format!("href=\"/sends/{done_id}\""))
        .expect("listed");
    assert!(newest < older, "newest first");
    assert!(
        body.contains("<span class=\"count delivered\">delivered 1</span>"),
        "{body}"
    );
    assert!(
        body.contains("<span class=\"count skipped\">skipped 1</span>"),
        "{body}"
    );
    assert!(
        body.contains("<span class=\"count queued\">queued 2</span>"),
        "{body}"
    );

    // A finished send: final, no polling, its messages with their timeline.
    let (status, p) = progress(&mut b, done_id).await;
    assert_eq!(status, 200);
    assert_eq!(p["done"], true, "{p}");
    assert_eq!(p["counts"]["delivered"], 1);
    assert_eq!(p["total"], 2);
    let detail = b.get(&format!("/sends/{done_id}")).await;
    assert!(
        !detail.body.contains("data-poll="),
        "final: {}",
        detail.body
    );
    assert!(
        !detail.body.contains("id=\"cancel\""),
        "nothing left to cancel"
    );
    let message_id = {
        let (_, m) = app
            .get_json(&format!("/api/v1/messages?send={done_id}&status=delivered"))
            .await;
        m["data"][0]["id"].as_i64().unwrap()
    };
    assert!(
        detail
            .body
            .contains(&format!("href=\"/messages/{message_id}\""))
    );
    let message = b.get(&format!("/messages/{message_id}")).await;
    assert_eq!(message.status, 200);
    let timeline = &message.body[message.body.find("data-testid=\"timeline\"").unwrap()..];
    for step in ["accepted", "sending", "sent", "delivered"] {
        assert!(
            timeline.contains(&format!("<span class=\"step\">{step}</span> <time>")),
            "{step}: {timeline}"
        );
    }
    assert!(message.body.contains("+436761000001"));

    // A scheduled send still runs: the page polls; pause, resume, cancel change its state.
    let (_, p) = progress(&mut b, later_id).await;
    assert_eq!(p["done"], false, "{p}");
    assert_eq!(p["state"], "active");
    assert_eq!(p["counts"]["queued"], 2);
    let page = b.get(&format!("/sends/{later_id}")).await;
    assert!(
        page.body
            .contains(&format!("data-poll=\"/sends/{later_id}/progress.json\""))
    );
    assert!(page.body.contains("data-testid=\"live\""));
    let csrf = page.csrf();
    let forged = b.post(&format!("/sends/{later_id}/pause"), &[]).await;
    assert_eq!(forged.status, 403, "no CSRF token");
    assert_eq!(state_of(&app, later_id).await, "active");
    let paused = b
        .post(&format!("/sends/{later_id}/pause"), &[("csrf", &csrf)])
        .await;
    assert_eq!(paused.status, 303);
    assert_eq!(state_of(&app, later_id).await, "paused");
    assert_eq!(
        progress(&mut b, later_id).await.1["done"],
        true,
        "paused: no polling"
    );
    assert!(
        b.get(&format!("/sends/{later_id}"))
            .await
            .body
            .contains("id=\"resume\"")
    );
    b.post(&format!("/sends/{later_id}/resume"), &[("csrf", &csrf)])
        .await;
    assert_eq!(state_of(&app, later_id).await, "active");
    let cancelled = b
        .post(&format!("/sends/{later_id}/cancel"), &[("csrf", &csrf)])
        .await;
    assert_eq!(cancelled.status, 303);
    let (_, s) = app.get_json(&format!("/api/v1/sends/{later_id}")).await;
    assert_eq!(s["state"], "cancelled");
    assert_eq!(s["counts"]["cancelled"], 2, "{s}");
    let refused = b
        .post(&format!("/sends/{later_id}/resume"), &[("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, 409, "a cancelled send cannot resume");
    assert!(refused.body.contains("role=\"alert\""), "{}", refused.body);

    // Another account's user finds none of it.
    let mut o = web::other_owner(&app, "other", "otto", "other secret").await;
    let theirs = o.get("/sends").await;
    assert!(!theirs.body.contains(&format!("href=\"/sends/{done_id}\"")));
    assert_eq!(o.get(&format!("/sends/{done_id}")).await.status, 404);
    assert_eq!(progress(&mut o, done_id).await.0, 404);
    assert_eq!(o.get(&format!("/messages/{message_id}")).await.status, 404);
    let o_csrf = o.get("/sends").await.csrf();
    let poke = o
        .post(&format!("/sends/{done_id}/pause"), &[("csrf", &o_csrf)])
        .await;
    assert_eq!(poke.status, 404);
    assert_eq!(b.get("/messages/999999").await.status, 404);
}

/// R22: in Chromium, a running send's counts change on the page without a reload, and the
/// live mark goes when the send is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_send_updates_live_in_a_browser() {
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.sandbox_delivery_delay = Duration::from_millis(2500);
    })
    .await;
    app.user("anna", "correct horse", UserRole::Owner).await;
    let driver = Driver::start("en-US").await;
    let c = &driver.client;
    driver
        .log_in(&app.url("/login"), "anna", "correct horse")
        .await;
    c.wait().for_element(Locator::Css("h1")).await.unwrap();

    let id = send(
        &app,
        json!({"channel": "sms", "text": "Live", "to": {"numbers": ["0676 1000001", "0676 1000002", "0676 1000003"]}}),
    )
    .await;
    c.goto(&app.url(&format!("/sends/{id}"))).await.unwrap();
    c.find(Locator::Css("[data-testid=live]"))
        .await
        .expect("a running send is live");
    // A mark that a reload would wipe.
    c.execute("window.boteMark = 'kept'; return null;", vec![])
        .await
        .unwrap();
    let delivered = Locator::Css("[data-field='counts.delivered']");
    assert_ne!(c.find(delivered).await.unwrap().text().await.unwrap(), "3");
    driver.screenshot("send-live").await;
    eventually(20, "the page to show all delivered", || async {
        let text = c.find(delivered).await.unwrap().text().await.unwrap();
        (text == "3").then_some(())
    })
    .await;
    eventually(5, "the live mark to go", || async {
        let live = c.find(Locator::Css("[data-testid=live]")).await.unwrap();
        (!live.is_displayed().await.unwrap()).then_some(())
    })
    .await;
    let mark = c
        .execute("return window.boteMark || null;", vec![])
        .await
        .unwrap();
    assert_eq!(mark, json!("kept"), "updated without reloading");
    driver.screenshot("send-done").await;

    c.goto(&app.url("/sends")).await.unwrap();
    let table = c
        .find(Locator::Css("[data-testid=sends]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(table.contains("delivered 3"), "{table}");
    driver.screenshot("sends").await;
    c.find(Locator::Css(&format!("a[href='/sends/{id}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("[data-testid=messages] a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let timeline = c
        .wait()
        .for_element(Locator::Css("[data-testid=timeline]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(timeline.contains("delivered"), "{timeline}");
    driver.screenshot("message").await;
}
