//! Sending through the native API on the sandbox channel: acceptance, skipped recipients,
//! dispatch to a final status, idempotency, pause/resume/cancel (R5, R16, R17, R20).

mod support;

use bote_domain::AccountKind;
use reqwest::Method;
use serde_json::json;
use support::{Backend, counts_of, json_of, spawn_app, wait_final};

async fn sms_to_numbers_contacts_and_groups(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_group("news").await;
    let anna = app
        .create_contact(
            json!({"first_name": "Anna", "sms_number": "0676 1000001", "groups": ["NEWS"]}),
        )
        .await;
    app.create_contact(
        json!({"first_name": "Bert", "sms_number": "0676 1000002", "groups": ["NEWS"]}),
    )
    .await;
    app.create_contact(
        json!({"first_name": "Cleo", "whatsapp_number": "0664 1000003", "groups": ["NEWS"]}),
    )
    .await;

    let (status, r) = app
        .post_json(
            "/api/v1/sends",
            json!({
                "channel": "sms",
                "text": "Hallo {{first_name}}!",
                "to": {"numbers": ["0676 1000001", "0699 1000009", "12x", "0699 1000009"], "contacts": [anna["id"]], "groups": ["news"]},
                "sender": "bote"
            }),
        )
        .await;
    assert_eq!(status, 202, "{r}");
    assert_eq!(
        r["accepted"], 3,
        "Anna once, Bert, and the explicit 0699 number: {r}"
    );
    assert_eq!(
        r["skipped_by_reason"],
        json!({"invalid_number": 1, "duplicate": 1, "no_number": 1}),
        "{r}"
    );
    assert_eq!(r["sms"]["encoding"], "gsm7");
    let id = r["id"].as_i64().unwrap();

    let counts = wait_final(&app, id, 3).await;
    assert_eq!(counts["delivered"], 3, "{counts}");

    // Placeholders are filled per contact (R20); the explicit number has no contact.
    let inbox = app
        .get_json(&format!("/api/v1/messages?send={id}&status=delivered"))
        .await
        .1;
    let msgs = inbox["data"].as_array().unwrap();
    assert_eq!(msgs.len(), 3);
    for m in msgs {
        assert!(
            m["sent_at"].is_string() && m["done_at"].is_string(),
            "timestamps: {m}"
        );
        assert_eq!(m["segments"], 1);
        assert_eq!(m["provider_ids"].as_array().unwrap().len(), 1);
    }
    let (_, by_number) = app.get_json("/api/v1/messages?number=0676%201000002").await;
    assert_eq!(by_number["data"].as_array().unwrap().len(), 1);
}

async fn bad_sends_are_refused_with_reasons(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases = [
        (
            json!({"channel": "fax", "text": "x", "to": {"numbers": ["0676 1"]}}),
            422,
            "invalid_field",
        ),
        (
            json!({"channel": "sms", "to": {"numbers": ["0676 1000001"]}}),
            422,
            "no_content",
        ),
        (
            json!({"channel": "sms", "text": "x", "to": {}}),
            422,
            "no_recipients",
        ),
        (
            json!({"channel": "sms", "text": "x".repeat(200), "max_segments": 1, "to": {"numbers": ["0676 1000001"]}}),
            422,
            "too_many_segments",
        ),
        (
            json!({"channel": "whatsapp", "text": "Hi {{first_name}}", "to": {"numbers": ["0676 1000001"]}}),
            422,
            "placeholders_on_whatsapp",
        ),
        (
            json!({"channel": "sms", "text": "x", "to": {"groups": ["NOPE"]}}),
            422,
            "unknown_reference",
        ),
        (
            json!({"channel": "sms", "text": "x", "to": {"contacts": [999]}}),
            422,
            "unknown_reference",
        ),
        (
            json!({"channel": "sms", "text": "x", "sender": "much too long a name", "to": {"numbers": ["0676 1000001"]}}),
            422,
            "invalid_sender",
        ),
        (
            json!({"channel": "sms", "text": "x", "callback_url": "ftp://x", "to": {"numbers": ["0676 1000001"]}}),
            422,
            "invalid_url",
        ),
    ];
    for (body, status, code) in cases {
        let (got, e) = app.post_json("/api/v1/sends", body.clone()).await;
        assert_eq!(
            (got, e["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}: {e}"
        );
    }
    let (_, list) = app.get_json("/api/v1/sends").await;
    assert_eq!(list["data"], json!([]), "nothing was written");
}

async fn client_message_id_makes_sending_idempotent(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = json!({"channel": "sms", "text": "Once", "client_message_id": "order-42", "to": {"numbers": ["0676 1000001"]}});
    let (_, first) = app.post_json("/api/v1/sends", body.clone()).await;
    let (status, second) = app.post_json("/api/v1/sends", body).await;
    assert_eq!(status, 202);
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second["replayed"], true);
    let id = first["id"].as_i64().unwrap();
    wait_final(&app, id, 1).await;
    let (_, msgs) = app.get_json("/api/v1/messages").await;
    assert_eq!(msgs["data"].as_array().unwrap().len(), 1, "sent once");
}

async fn scheduled_sends_can_be_paused_resumed_and_cancelled(backend: Backend) {
    let app = spawn_app(backend).await;
    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let (_, r) = app
        .post_json("/api/v1/sends", json!({"channel": "sms", "text": "Later", "schedule_at": later, "to": {"numbers": ["0676 1000001", "0676 1000002"]}}))
        .await;
    let id = r["id"].as_i64().unwrap();
    let dispatcher_idle = app.get_json(&format!("/api/v1/sends/{id}")).await.1;
    assert_eq!(dispatcher_idle["counts"], json!({"queued": 2}));

    let (status, paused) = json_of(
        app.req(Method::POST, &format!("/api/v1/sends/{id}/pause"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, paused["state"].as_str()), (200, Some("paused")));
    let (_, resumed) = json_of(
        app.req(Method::POST, &format!("/api/v1/sends/{id}/resume"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(resumed["state"], "active");
    assert_eq!(
        counts_of(&app, id).await,
        json!({"queued": 2}),
        "still waiting for its time"
    );
    let (_, cancelled) = json_of(
        app.req(Method::POST, &format!("/api/v1/sends/{id}/cancel"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(cancelled["counts"], json!({"cancelled": 2}));
    let (status, e) = json_of(
        app.req(Method::POST, &format!("/api/v1/sends/{id}/resume"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 409, "{e}");

    // An immediate send that is paused at once still finishes after resume, once each.
    let (_, r) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "sms", "text": "Now", "to": {"numbers": ["0676 1000003"]}}),
        )
        .await;
    let now_id = r["id"].as_i64().unwrap();
    app.req(Method::POST, &format!("/api/v1/sends/{now_id}/pause"))
        .send()
        .await
        .unwrap();
    app.req(Method::POST, &format!("/api/v1/sends/{now_id}/resume"))
        .send()
        .await
        .unwrap();
    wait_final(&app, now_id, 1).await;
}

async fn test_accounts_send_only_to_their_number(backend: Backend) {
    let app = spawn_app(backend).await;
    let account = bote::accounts::create_account(
        app.store.as_ref(),
        "trial",
        AccountKind::Test,
        Some(
            bote_domain::PhoneNumber::parse("0676 5555555", bote_domain::Region::AUSTRIA).unwrap(),
        ),
        None,
    )
    .await
    .unwrap();
    let (_, token) = bote::accounts::create_token(
        app.store.as_ref(),
        account.id,
        "t",
        bote_domain::TokenScope::Full,
    )
    .await
    .unwrap();
    let (status, r) = json_of(
        app.req_as(&token, Method::POST, "/api/v1/sends")
            .json(&json!({"channel": "sms", "text": "Hi", "to": {"numbers": ["0676 5555555", "0676 6666666"]}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 202, "{r}");
    assert_eq!(r["accepted"], 1, "R5: only the verified number");
    assert_eq!(
        r["skipped"],
        json!([{"recipient": "+436766666666", "reason": "outside_test_number"}])
    );
}

async fn whatsapp_sends_reach_a_final_status_through_the_sandbox(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_group("news").await;
    app.create_contact(
        json!({"first_name": "Anna", "sms_number": "0676 1000001", "whatsapp_number": "0664 1000001", "groups": ["NEWS"]}),
    )
    .await;
    app.create_contact(
        json!({"first_name": "Bert", "sms_number": "0676 1000002", "groups": ["NEWS"]}),
    )
    .await;
    // R6: WhatsApp goes only to numbers with an opt-in, given here as the business would.
    for n in ["+436641000001", "+436991000009"] {
        let number = bote_domain::PhoneNumber::parse(n, bote_domain::Region::AUSTRIA).unwrap();
        let source = bote_store::ConsentSource {
            kind: bote_store::SourceKind::Api,
            reference: Some("test".into()),
            text: None,
            business_number: None,
        };
        app.store
            .give_opt_in(app.account.id, &number, source, None)
            .await
            .unwrap();
    }
    let (status, r) = app
        .post_json(
            "/api/v1/sends",
            json!({
                "channel": "whatsapp",
                "text": "Neue Kollektion 🎉",
                "media": {"kind": "image", "url": "https://example.com/k.jpg"},
                "to": {"groups": ["NEWS"], "numbers": ["0699 1000009"]}
            }),
        )
        .await;
    assert_eq!(status, 202, "{r}");
    assert_eq!(
        r["accepted"], 2,
        "Anna's WhatsApp number and the explicit one: {r}"
    );
    assert_eq!(
        r["skipped_by_reason"],
        json!({"no_number": 1}),
        "Bert has no WhatsApp number: {r}"
    );
    let id = r["id"].as_i64().unwrap();
    let counts = wait_final(&app, id, 2).await;
    assert_eq!(counts["delivered"], 2, "{counts}");
    let (_, msgs) = app
        .get_json(&format!("/api/v1/messages?send={id}&status=delivered"))
        .await;
    assert_eq!(msgs["data"].as_array().unwrap().len(), 2, "{msgs}");
    for m in msgs["data"].as_array().unwrap() {
        let provider_id = m["provider_ids"][0].as_str().unwrap();
        assert!(
            provider_id.starts_with("wamid.sbx-"),
            "the sandbox WhatsApp connection: {m}"
        );
        assert_eq!(m["attempts"], 1, "{m}");
    }
}

async fn previews_count_cost_and_warn_without_sending(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_group("news").await;
    app.create_contact(
        json!({"first_name": "Anna", "sms_number": "0676 1000001", "whatsapp_number": "0664 1000001", "groups": ["NEWS"]}),
    )
    .await;
    app.create_contact(
        json!({"first_name": "Bert", "sms_number": "0676 1000002", "groups": ["NEWS"]}),
    )
    .await;
    let body = json!({
        "channel": "sms",
        "text": "Grüße – zwei Teile? ".repeat(4),
        "to": {"groups": ["news"], "numbers": ["0699 1000009", "nope"]},
        "client_message_id": "preview-1"
    });
    let (status, p) = app.post_json("/api/v1/sends/preview", body.clone()).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["accepted"], 3, "{p}");
    assert_eq!(p["skipped_by_reason"], json!({"invalid_number": 1}), "{p}");
    assert_eq!(p["sms"]["encoding"], "ucs2", "– forces UCS-2: {p}");
    assert_eq!(p["sms"]["ucs2_trigger"]["ch"], "–", "{p}");
    assert_eq!(p["sms"]["segments"], 2, "{p}");
    assert_eq!(
        p["cost"],
        json!({"messages": 3, "segments": 6, "estimate": false})
    );
    assert_eq!(
        p["warnings"][0]["code"], "same_content_on_both_channels",
        "{p}"
    );
    assert_eq!(p["warnings"][0]["rule"], "R19");
    assert_eq!(
        p["warnings"][0]["contacts"], 1,
        "Anna has both numbers: {p}"
    );
    let (_, sends) = app.get_json("/api/v1/sends").await;
    assert_eq!(sends["data"], json!([]), "a preview sends nothing: {sends}");

    // The same body sends for real afterwards: the preview did not take the client id.
    let (status, r) = app.post_json("/api/v1/sends", body).await;
    assert_eq!(status, 202, "{r}");
    assert_eq!(r["replayed"], false);
    assert_eq!(r["accepted"], 3);

    // Bad content is refused by the preview as by the send.
    let (status, e) = app
        .post_json(
            "/api/v1/sends/preview",
            json!({"channel": "whatsapp", "text": "Hi {{first_name}}", "to": {"groups": ["news"]}}),
        )
        .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["code"], "placeholders_on_whatsapp", "{e}");
}

on_both_backends!(
    previews_count_cost_and_warn_without_sending,
    sms_to_numbers_contacts_and_groups,
    whatsapp_sends_reach_a_final_status_through_the_sandbox,
    bad_sends_are_refused_with_reasons,
    client_message_id_makes_sending_idempotent,
    scheduled_sends_can_be_paused_resumed_and_cancelled,
    test_accounts_send_only_to_their_number,
);
