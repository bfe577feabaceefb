//! The 24-hour customer-service window of Cloud API numbers (going beyond the source, and
//! keeping R6/R17 sends from wasting Graph API calls): bote knows each recipient's window
//! from the inbound messages it keeps. A free-form message to someone outside it is counted
//! in the preview and, unless the send names a `fallback_template`, fails as
//! `outside_service_window` at dispatch — the window may close between acceptance and
//! sending — without any request to the Graph API (the stand-in records every request).

mod support;

use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};
use support::cloud::{CLOUD_NUMBER, cloud_app, e164, opted_in, wrote};
use support::{Backend, HARNESS_WHATSAPP_NUMBER, TestApp, eventually};

async fn messages_of(app: &TestApp, send: &Value) -> Vec<Value> {
    let (_, msgs) = app
        .get_json(&format!("/api/v1/messages?send={}", send["id"]))
        .await;
    msgs["data"].as_array().cloned().unwrap_or_default()
}

/// Waits until every message of the send is past `sending`; returns them by recipient.
async fn settled(app: &TestApp, send: &Value) -> Vec<(String, Value)> {
    eventually(15, "the send's messages settled", || async {
        let msgs = messages_of(app, send).await;
        let done = msgs
            .iter()
            .all(|m| !matches!(m["status"].as_str(), Some("queued" | "sending")));
        done.then(|| {
            msgs.into_iter()
                .map(|m| (m["recipient"].as_str().unwrap_or_default().to_owned(), m))
                .collect()
        })
    })
    .await
}

fn outside_warning(preview: &Value) -> Option<&Value> {
    preview["warnings"]
        .as_array()?
        .iter()
        .find(|w| w["code"] == "outside_service_window")
}

const INSIDE: &str = "0664 2000001";
const LAPSED: &str = "0664 2000002";
const NEVER: &str = "0664 2000003";
const ELSEWHERE: &str = "0664 2000004";

/// R6, R17: opted-in recipients of a Cloud API number get free-form messages only inside
/// their window; the others are shown in the preview and fail without a Graph API call.
async fn free_form_goes_only_to_recipients_inside_their_window(backend: Backend) {
    let (app, standin) = cloud_app(backend).await;
    opted_in(&app, &[INSIDE, LAPSED, NEVER, ELSEWHERE]).await;
    let now = Utc::now();
    wrote(&app, INSIDE, CLOUD_NUMBER, now - chrono::Duration::hours(1)).await;
    wrote(
        &app,
        LAPSED,
        CLOUD_NUMBER,
        now - chrono::Duration::hours(25),
    )
    .await;
    // Wrote lately, but to the sandbox number: no window with the Cloud number.
    wrote(&app, ELSEWHERE, HARNESS_WHATSAPP_NUMBER, now).await;
    let everyone = json!([INSIDE, LAPSED, NEVER, ELSEWHERE]);
    let body = json!({"channel": "whatsapp", "text": "Angebot", "sender": CLOUD_NUMBER,
        "to": {"numbers": everyone}});

    let (status, preview) = app.post_json("/api/v1/sends/preview", body.clone()).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["accepted"], 4, "{preview}");
    let warning = outside_warning(&preview).expect("the preview warns");
    assert_eq!(warning["contacts"], 3, "{warning}");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains("fallback_template"),
        "{warning}"
    );
    // The sandbox number has no window: nothing to warn about.
    let (_, sandbox) = app
        .post_json(
            "/api/v1/sends/preview",
            json!({"channel": "whatsapp", "text": "Angebot", "to": {"numbers": everyone}}),
        )
        .await;
    assert!(outside_warning(&sandbox).is_none(), "{sandbox}");
    // A template send needs no window either.
    let (_, template) = app
        .post_json(
            "/api/v1/sends/preview",
            json!({"channel": "whatsapp", "sender": CLOUD_NUMBER, "to": {"numbers": everyone},
                "template": {"name": "angebot", "language": "de"}}),
        )
        .await;
    assert!(outside_warning(&template).is_none(), "{template}");
    assert!(standin.requests().is_empty(), "previews send nothing");

    let (status, send) = app.post_json("/api/v1/sends", body).await;
    assert_eq!(status, 202, "{send}");
    let msgs = settled(&app, &send).await;
    for (recipient, m) in &msgs {
        if *recipient == e164(INSIDE) {
            assert_eq!(m["status"], "sent", "{m}");
        } else {
            assert_eq!(m["status"], "failed", "{m}");
            let reason = m["reason"].as_str().unwrap_or_default();
            assert!(reason.starts_with("outside_service_window"), "{m}");
            assert!(reason.contains("template is needed"), "{m}");
        }
    }
    let requests = standin.requests();
    assert_eq!(
        requests.len(),
        1,
        "only the message inside its window reached the Graph API"
    );
    assert_eq!(requests[0].to.as_deref(), Some(&e164(INSIDE)[1..]));
    assert_eq!(requests[0].body["text"]["body"], "Angebot");
}

/// Outside the window the send's `fallback_template` goes instead; a whole-template send
/// goes to anyone with an opt-in (R6), window or not.
async fn templates_reach_recipients_outside_their_window(backend: Backend) {
    let (app, standin) = cloud_app(backend).await;
    opted_in(&app, &[INSIDE, NEVER]).await;
    wrote(&app, INSIDE, CLOUD_NUMBER, Utc::now()).await;
    let fallback = json!({"name": "angebot_der_woche", "language": "de", "parameters": ["Anna"]});
    let (status, preview) = app
        .post_json(
            "/api/v1/sends/preview",
            json!({"channel": "whatsapp", "text": "Angebot", "sender": CLOUD_NUMBER,
                "to": {"numbers": [INSIDE, NEVER]}, "fallback_template": fallback}),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    let warning = outside_warning(&preview).expect("the preview counts who gets the template");
    assert_eq!(warning["contacts"], 1);
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains("fallback template")
    );

    let (status, send) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "whatsapp", "text": "Angebot", "sender": CLOUD_NUMBER,
                "to": {"numbers": [INSIDE, NEVER]}, "fallback_template": fallback}),
        )
        .await;
    assert_eq!(status, 202, "{send}");
    let msgs = settled(&app, &send).await;
    assert!(msgs.iter().all(|(_, m)| m["status"] == "sent"), "{msgs:?}");
    let requests = standin.wait_requests(2, Duration::from_secs(5)).await;
    let to = |n: &str| {
        requests
            .iter()
            .find(|r| r.to.as_deref() == Some(&e164(n)[1..]))
            .unwrap_or_else(|| panic!("no request to {n}"))
    };
    assert_eq!(to(INSIDE).body["type"], "text");
    assert_eq!(to(NEVER).body["type"], "template");
    assert_eq!(
        to(NEVER).body["template"],
        json!({"name": "angebot_der_woche", "language": {"code": "de"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "Anna"}]}]})
    );

    standin.clear_requests();
    let (status, send) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "whatsapp", "sender": CLOUD_NUMBER, "to": {"numbers": [NEVER]},
                "template": {"name": "hello_world", "language": "en_US"}}),
        )
        .await;
    assert_eq!(status, 202, "{send}");
    assert_eq!(send["send"]["content"]["template"]["name"], "hello_world");
    let msgs = settled(&app, &send).await;
    assert_eq!(msgs[0].1["status"], "sent", "{msgs:?}");
    let requests = standin.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].body["template"]["name"], "hello_world");
}

/// The window is checked when the message goes out, not when the send is accepted: a
/// scheduled message whose window closes before it is due fails without a Graph API call.
async fn the_window_is_checked_at_dispatch(backend: Backend) {
    let (app, standin) = cloud_app(backend).await;
    opted_in(&app, &[INSIDE]).await;
    let now = Utc::now();
    // Inside for two more seconds.
    wrote(
        &app,
        INSIDE,
        CLOUD_NUMBER,
        now - chrono::Duration::hours(24) + chrono::Duration::seconds(2),
    )
    .await;
    let body = json!({"channel": "whatsapp", "text": "Erinnerung", "sender": CLOUD_NUMBER,
        "to": {"numbers": [INSIDE]},
        "schedule_at": (now + chrono::Duration::seconds(3)).to_rfc3339()});
    let (_, preview) = app.post_json("/api/v1/sends/preview", body.clone()).await;
    assert!(
        outside_warning(&preview).is_none(),
        "inside at acceptance: {preview}"
    );
    let (status, send) = app.post_json("/api/v1/sends", body).await;
    assert_eq!(status, 202, "{send}");
    let msgs = settled(&app, &send).await;
    assert_eq!(msgs[0].1["status"], "failed", "{msgs:?}");
    assert!(
        msgs[0].1["reason"]
            .as_str()
            .unwrap_or_default()
            .starts_with("outside_service_window")
    );
    assert!(standin.requests().is_empty(), "no Graph API call");
}

/// Templates are checked with errors that name the part that is wrong.
async fn templates_are_validated(backend: Backend) {
    let (app, _standin) = cloud_app(backend).await;
    let to = json!({"numbers": [INSIDE]});
    let t = json!({"name": "angebot", "language": "de"});
    let cases = [
        (
            json!({"channel": "sms", "template": t, "to": to}),
            "template_on_sms",
            "template",
        ),
        (
            json!({"channel": "whatsapp", "text": "x", "template": t, "to": to}),
            "template_with_content",
            "template",
        ),
        (
            json!({"channel": "whatsapp", "template": {"name": "Angebot!", "language": "de"}, "to": to}),
            "invalid_template",
            "template.name",
        ),
        (
            json!({"channel": "whatsapp", "text": "x", "to": to,
                "fallback_template": {"name": "a", "language": "de", "parameters": [""]}}),
            "invalid_template",
            "fallback_template.parameters[0]",
        ),
        (
            json!({"channel": "whatsapp", "template": t, "fallback_template": t, "to": to}),
            "fallback_for_template",
            "fallback_template",
        ),
        (
            json!({"channel": "whatsapp", "template": {"name": "a"}, "to": to}),
            "invalid_field",
            "",
        ),
    ];
    for (body, code, field) in cases {
        let (status, err) = app.post_json("/api/v1/sends", body.clone()).await;
        assert_eq!(status, 422, "{body} → {err}");
        assert_eq!(err["error"]["code"], code, "{body} → {err}");
        if !field.is_empty() {
            assert_eq!(err["error"]["field"], field, "{body} → {err}");
        }
    }
}

on_both_backends!(
    free_form_goes_only_to_recipients_inside_their_window,
    templates_reach_recipients_outside_their_window,
    the_window_is_checked_at_dispatch,
    templates_are_validated,
);
