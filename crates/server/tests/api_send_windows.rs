//! Sending windows through the native API (e.g. weekdays 08:00–20:00): messages outside
//! the window wait queued, with no attempt counted, until it opens; a window without a zone
//! is in the account's zone; a bad window names its field and writes nothing.

mod support;

use bote_domain::ChannelKind;
use bote_store::ClaimedMessage;
use chrono::{DateTime, Duration, Timelike, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use support::{Backend, TestApp, json_of, spawn_app, spawn_app_with, wait_final};

/// Asserts nothing of SMS is due a second before `opens`; claims what is due at `opens`.
async fn due_when_the_window_opens(app: &TestApp, opens: DateTime<Utc>) -> Vec<ClaimedMessage> {
    let lease = opens + Duration::days(1);
    let early = app
        .store
        .claim_messages(ChannelKind::Sms, opens - Duration::seconds(1), lease, 100)
        .await
        .unwrap();
    assert_eq!(early, vec![], "nothing due before the window opens");
    app.store
        .claim_messages(ChannelKind::Sms, opens, lease, 100)
        .await
        .unwrap()
}

/// `HH:MM` of `t` in a zone `offset` east of UTC.
fn clock(t: DateTime<Utc>, offset: Duration) -> String {
    (t + offset).format("%H:%M").to_string()
}

async fn sending_windows_hold_messages_until_they_open(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.default_time_zone = "Asia/Kolkata".parse().unwrap();
    })
    .await;
    // Kolkata is UTC+05:30 all year; the window names no zone, so the default applies.
    let kolkata = Duration::minutes(5 * 60 + 30);
    let now = Utc::now();
    let opens = (now + Duration::hours(2))
        .with_second(0)
        .unwrap()
        .with_nanosecond(0)
        .unwrap();
    let (status, closed) = app
        .post_json(
            "/api/v1/sends",
            json!({
                "channel": "sms",
                "text": "Later",
                "to": {"numbers": ["0676 2000001", "0676 2000002"]},
                "window": {"from": clock(opens, kolkata), "to": clock(opens + Duration::hours(1), kolkata)}
            }),
        )
        .await;
    assert_eq!(status, 202, "{closed}");
    let closed_id = closed["id"].as_i64().unwrap();
    assert_eq!(
        closed["send"]["content"]["window"]["time_zone"], "Asia/Kolkata",
        "{closed}"
    );

    // Open now on every day: delivered. The dispatcher takes the oldest due first, so by
    // then it has seen the closed send's messages too.
    let (status, open) = app
        .post_json(
            "/api/v1/sends",
            json!({
                "channel": "sms",
                "text": "Now",
                "to": {"numbers": ["0676 2000003"]},
                "window": {
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "from": clock(now - Duration::hours(1), Duration::zero()),
                    "to": clock(now + Duration::hours(1), Duration::zero()),
                    "time_zone": "UTC"
                }
            }),
        )
        .await;
    assert_eq!(status, 202, "{open}");
    let counts = wait_final(&app, open["id"].as_i64().unwrap(), 1).await;
    assert_eq!(counts["delivered"], 1, "{counts}");

    // The closed send's messages stay queued, no attempt counted...
    let (_, messages) = app
        .get_json(&format!("/api/v1/messages?send={closed_id}"))
        .await;
    let messages = messages["data"].as_array().unwrap().clone();
    assert_eq!(messages.len(), 2);
    for m in &messages {
        assert_eq!(
            (m["status"].as_str(), m["attempts"].as_u64()),
            (Some("queued"), Some(0)),
            "{m}"
        );
    }
    // ...and are due when the window opens: not a second before.
    let due = due_when_the_window_opens(&app, opens).await;
    assert_eq!(due.len(), 2, "{due:?}");
    assert!(
        due.iter()
            .all(|m| m.send_id.0 == closed_id && m.attempts == 0)
    );
}

/// A window that names no zone is read in the account's own zone (`/settings/account`), not
/// the server's default; an account without one keeps the server's.
async fn windows_without_a_zone_are_in_the_accounts_zone(backend: Backend) {
    let app = spawn_app(backend).await; // the server's default: Europe/Vienna
    let (status, zone) = json_of(
        app.req(Method::PUT, "/api/v1/settings/account")
            .json(&json!({"time_zone": "Asia/Kolkata"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{zone}");
    let kolkata = Duration::minutes(5 * 60 + 30);
    let opens = (Utc::now() + Duration::hours(2))
        .with_second(0)
        .unwrap()
        .with_nanosecond(0)
        .unwrap();
    let window =
        json!({"from": clock(opens, kolkata), "to": clock(opens + Duration::hours(1), kolkata)});
    let (status, send) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "sms", "text": "Namaste", "to": {"numbers": ["0676 2000011", "0676 2000012"]},
                   "window": window}),
        )
        .await;
    assert_eq!(status, 202, "{send}");
    assert_eq!(
        send["send"]["content"]["window"]["time_zone"], "Asia/Kolkata",
        "{send}"
    );
    let id = send["id"].as_i64().unwrap();

    // Another account without a zone of its own: the server's default.
    let (_, other) = app
        .other_account("wien", bote_domain::TokenScope::Full)
        .await;
    let (status, theirs) = json_of(
        app.req_as(&other, Method::POST, "/api/v1/sends")
            .json(
                &json!({"channel": "sms", "text": "Servus", "to": {"numbers": ["0676 2000013"]},
                          "schedule_at": "2099-01-01T08:00:00Z", "window": window}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 202, "{theirs}");
    assert_eq!(
        theirs["send"]["content"]["window"]["time_zone"], "Europe/Vienna",
        "{theirs}"
    );

    // A message without a window, delivered: the dispatcher takes the oldest due first, so
    // by then it has deferred the window's messages (while it holds them, a claim at a
    // later time would take them over).
    let (status, now) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "sms", "text": "Jetzt", "to": {"numbers": ["0676 2000014"]}}),
        )
        .await;
    assert_eq!(status, 202, "{now}");
    wait_final(&app, now["id"].as_i64().unwrap(), 1).await;

    // Due when the window opens in Kolkata: not a second before.
    let due = due_when_the_window_opens(&app, opens).await;
    assert_eq!(due.len(), 2, "{due:?}");
    assert!(due.iter().all(|m| m.send_id.0 == id), "{due:?}");
}

async fn bad_windows_name_their_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let window = |w: Value| json!({"channel": "sms", "text": "x", "to": {"numbers": ["0676 1000001"]}, "window": w});
    let cases = [
        (
            json!({"from": "08:00", "to": "20:00", "time_zone": "Mars/Olympus"}),
            "window.time_zone",
        ),
        (json!({"from": "8 o'clock", "to": "20:00"}), "window.from"),
        (json!({"from": "08:00", "to": "25:00"}), "window.to"),
        (json!({"from": "08:00", "to": "08:00"}), "window.to"),
        (
            json!({"days": [], "from": "08:00", "to": "20:00"}),
            "window.days",
        ),
        (
            json!({"days": ["mon", "someday"], "from": "08:00", "to": "20:00"}),
            "window.days",
        ),
    ];
    for (w, field) in cases {
        for path in ["/api/v1/sends", "/api/v1/sends/preview"] {
            let (status, e) = app.post_json(path, window(w.clone())).await;
            assert_eq!(status, 422, "{w}: {e}");
            assert_eq!(e["error"]["code"], "invalid_window", "{w}: {e}");
            assert_eq!(e["error"]["field"], field, "{w}: {e}");
            assert!(
                e["error"]["message"].as_str().unwrap().starts_with(field),
                "{e}"
            );
        }
    }
    let (status, e) = app
        .post_json("/api/v1/sends", window(json!({"from": "08:00"})))
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("invalid_field")),
        "{e}"
    );
    let (_, list) = app.get_json("/api/v1/sends").await;
    assert_eq!(list["data"], json!([]), "nothing was written");
}

on_both_backends!(
    sending_windows_hold_messages_until_they_open,
    windows_without_a_zone_are_in_the_accounts_zone,
    bad_windows_name_their_field,
);
