//! R21, R22: the statistics page, its CSV download and the dashboard's counts per channel,
//! over real HTTP with a logged-in session.

mod support;
mod web;

use bote_domain::UserRole;
use chrono::Utc;
use serde_json::json;
use support::{Backend, TestApp, eventually, spawn_app};
use web::Browser;

/// Two SMS sent through the sandbox and delivered.
async fn two_delivered_sms(app: &TestApp) {
    let (status, r) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "sms", "text": "Hallo!", "sender": "bote",
                   "to": {"numbers": ["0676 1000001", "0676 1000002"]}}),
        )
        .await;
    assert_eq!(status, 202, "{r}");
    eventually(20, "the SMS delivered", || async {
        let (_, stats) = app.get_json("/api/v1/stats?interval=month").await;
        (stats["totals"]["sms"]["delivered"] == 2).then_some(())
    })
    .await;
}

async fn logged_in(app: &TestApp) -> Browser {
    app.user("anna", "correct horse", UserRole::Owner).await;
    let mut b = Browser::new(&app.base);
    b.headers.insert("accept-language", "en".parse().unwrap());
    assert_eq!(b.log_in("anna", "correct horse").await.status, 303);
    b
}

/// R21: the page draws an SVG bar per period and channel (sms, voice, push, whatsapp),
/// tabulates the counts and links the same report as CSV.
#[tokio::test]
async fn the_statistics_page_charts_and_tabulates_counts() {
    let app = spawn_app(Backend::Sqlite).await;
    two_delivered_sms(&app).await;
    let mut b = logged_in(&app).await;
    // The account's today: the test server's default zone.
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Vienna)
        .date_naive()
        .to_string();

    let page = b
        .get(&format!(
            "/stats?from={today}&to={today}&interval=day&channel="
        ))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("<svg class=\"chart\""),
        "a server-drawn chart"
    );
    assert_eq!(
        page.body.matches("<rect ").count(),
        4,
        "one bar per channel"
    );
    assert!(
        page.body.contains(&format!("{today} · sms: 2")),
        "the SMS bar's title"
    );
    for channel in ["sms", "voice", "push", "whatsapp"] {
        assert!(
            page.body.contains(&format!("class=\"bar-{channel}\"")),
            "{channel}"
        );
    }
    assert!(
        page.body.contains(&format!(
            "<tr><td>{today}</td><td class=\"num\">2</td><td class=\"num\">2</td>"
        )),
        "today's SMS row"
    );
    assert!(
        page.body.contains("<script") && !page.body.contains("<script>"),
        "no inline script"
    );
    let csv_link =
        format!("/stats/export?from={today}&amp;to={today}&amp;interval=day&amp;channel=");
    assert!(page.body.contains(&csv_link), "the CSV link");

    let csv = b
        .get(&format!(
            "/stats/export?from={today}&to={today}&interval=day&channel="
        ))
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.body
            .starts_with("period,channel,sent,delivered,failed,segments\n")
    );
    assert!(
        csv.body.contains(&format!("{today},sms,2,2,0,2\n")),
        "{}",
        csv.body
    );

    // One channel, monthly: only its bars; a bad range is named and the default shown.
    let monthly = b.get("/stats?interval=month&channel=whatsapp").await;
    assert_eq!(monthly.body.matches("<rect ").count(), 12);
    assert!(!monthly.body.contains("class=\"bar-sms\""));
    let bad = b.get("/stats?from=2026-02-01&to=2026-01-01").await;
    assert_eq!(bad.status, 200);
    assert!(
        bad.body.contains("is after"),
        "the refused range is explained"
    );
}

/// R21: the dashboard shows today's and this month's counts for every channel.
#[tokio::test]
async fn the_dashboard_counts_today_and_this_month_per_channel() {
    let app = spawn_app(Backend::Sqlite).await;
    two_delivered_sms(&app).await;
    let mut b = logged_in(&app).await;
    let home = b.get("/").await;
    assert_eq!(home.status, 200);
    let sms_row = "<tr data-channel=\"sms\"><td><span class=\"badge sms\">sms</span></td>\
        <td class=\"num\">2</td><td class=\"num\">2</td><td class=\"num\">0</td>\
        <td class=\"num\">2</td><td class=\"num\">2</td><td class=\"num\">0</td><td class=\"num\">2</td></tr>";
    assert!(home.body.contains(sms_row), "{}", home.body);
    for channel in ["voice", "push", "whatsapp"] {
        assert!(
            home.body.contains(&format!("data-channel=\"{channel}\"")),
            "{channel}"
        );
    }
    assert!(home.body.contains("href=\"/stats\""), "the statistics link");
}

/// Statistics need a login.
#[tokio::test]
async fn statistics_need_a_login() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut b = Browser::new(&app.base);
    assert_eq!(b.get("/stats").await.location(), "/login");
    assert_eq!(b.get("/stats/export").await.location(), "/login");
}
