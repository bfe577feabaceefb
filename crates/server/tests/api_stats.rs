//! `GET /api/v1/stats` (R21): messages sent through the sandbox counted per day and
//! channel, WhatsApp beside SMS, voice and push, on the account's own days; CSV download;
//! bad parameters named.

mod support;

use chrono::{NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};
use support::{Backend, TestApp, eventually, spawn_app};

async fn delivered_sms(app: &TestApp) -> Value {
    eventually(20, "the SMS delivered", || async {
        let (_, stats) = app.get_json("/api/v1/stats").await;
        let day = stats["periods"].as_array()?.last()?.clone();
        (day["channels"]["sms"]["delivered"] == 2).then_some(stats)
    })
    .await
}

/// A zone whose date differs from UTC's right now (14 hours ahead from 10:00 UTC, 11
/// behind before 11:00 UTC), and today there.
fn zone_on_another_day() -> (&'static str, NaiveDate) {
    let now = Utc::now();
    let name = if now.hour() >= 10 {
        "Pacific/Kiritimati"
    } else {
        "Pacific/Pago_Pago"
    };
    let zone: Tz = name.parse().unwrap();
    let today = now.with_timezone(&zone).date_naive();
    assert_ne!(today, now.date_naive());
    (name, today)
}

/// R21: delivered SMS are counted on today's row, today being the account's (its time zone,
/// on another date than UTC's); voice and push are present with zeros; a channel filter
/// lists one channel; CSV is a download with one line per period and channel.
async fn stats_count_sent_messages_per_day_and_channel(backend: Backend) {
    let app = spawn_app(backend).await;
    let (zone, today) = zone_on_another_day();
    let set = app
        .req(reqwest::Method::PUT, "/api/v1/settings/account")
        .json(&json!({ "time_zone": zone }))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    let (status, r) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "sms", "text": "Hallo!", "sender": "bote",
                   "to": {"numbers": ["0676 1000001", "0676 1000002"]}}),
        )
        .await;
    assert_eq!(status, 202, "{r}");
    let stats = delivered_sms(&app).await;
    let today = today.to_string();
    assert_eq!(stats["interval"], "day");
    assert_eq!(stats["to"], today.as_str());
    let periods = stats["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 30, "the last 30 days, each listed");
    let last = &periods[29];
    assert_eq!(last["period"], today.as_str());
    assert_eq!(
        last["channels"]["sms"],
        json!({"sent": 2, "delivered": 2, "failed": 0, "segments": 2})
    );
    let zero = json!({"sent": 0, "delivered": 0, "failed": 0, "segments": 0});
    for channel in ["voice", "push", "whatsapp"] {
        assert_eq!(last["channels"][channel], zero, "{channel}");
    }
    assert_eq!(periods[0]["channels"]["sms"], zero);
    assert_eq!(stats["totals"]["sms"]["sent"], 2);

    let (_, only) = app
        .get_json("/api/v1/stats?channel=whatsapp&interval=month")
        .await;
    let months = only["periods"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[11]["channels"], json!({"whatsapp": zero}));

    let csv = app
        .req(
            reqwest::Method::GET,
            &format!("/api/v1/stats?format=csv&from={today}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("stats.csv")
    );
    let text = csv.text().await.unwrap();
    assert_eq!(
        text,
        format!(
            "period,channel,sent,delivered,failed,segments\n{today},sms,2,2,0,2\n\
             {today},voice,0,0,0,0\n{today},push,0,0,0,0\n{today},whatsapp,0,0,0,0\n"
        )
    );
}

/// Bad parameters are refused naming the field.
async fn bad_stats_parameters_name_their_field(backend: Backend) {
    let app = spawn_app(backend).await;
    for (query, field, code) in [
        ("from=yesterday", "from", "invalid_date"),
        ("to=2026-13-01", "to", "invalid_date"),
        ("from=2026-02-01&to=2026-01-01", "from", "invalid_range"),
        ("from=2024-01-01&to=2026-01-01", "to", "range_too_long"),
        ("interval=week", "interval", "invalid_interval"),
        ("channel=fax", "channel", "invalid_channel"),
        ("format=xml", "format", "invalid_format"),
    ] {
        let (status, e) = app.get_json(&format!("/api/v1/stats?{query}")).await;
        assert_eq!(status, 422, "{query}: {e}");
        assert_eq!(e["error"]["field"], field, "{query}: {e}");
        assert_eq!(e["error"]["code"], code, "{query}: {e}");
    }
    let (status, _) = app.get_json("/api/v1/stats?bogus=1").await;
    assert_eq!(status, 400);
}

on_both_backends!(
    stats_count_sent_messages_per_day_and_channel,
    bad_stats_parameters_name_their_field,
);
