//! Opt-ins and keywords end to end (R6, R7, R9–R14, R17): customers write through the
//! real sandbox inbound route, the real pipeline answers through the sandbox WhatsApp
//! channel, and sends are checked against the opt-in list.

mod support;

use bote_domain::TokenScope;
use reqwest::Method;
use serde_json::{Value, json};
use support::consent::{
    BUSINESS, app_with_number, contact_with, events, ledger, reply_containing, whatsapp_send, write,
};
use support::{Backend, json_of, opted_in_numbers};

/// R7, R9: the first WhatsApp message opts its sender in and lists the opt-in; an existing
/// contact with that SMS number gains it as WhatsApp number, else a contact is created; the
/// confirmation goes out, and WhatsApp sends reach the number.
async fn r7_r9_first_message_opts_in_and_makes_the_contact(backend: Backend) {
    let app = app_with_number(backend).await;
    app.create_contact(json!({"first_name": "Anna", "sms_number": "0676 1000001"}))
        .await;
    let first = write(&app, "0676 1000001", "Hallo, ich hätte gern Infos").await;
    write(&app, "0676 1000002", "Hi").await;

    let (_, page) = app.get_json("/api/v1/optins").await;
    let list = page["data"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{page}");
    assert_eq!(list[0]["number"], "+436761000002", "newest first: {page}");
    assert_eq!(list[1]["number"], "+436761000001");
    assert_eq!(list[1]["business_number"], BUSINESS);
    assert_eq!(list[1]["source"], "inbound");
    assert!(list[1]["given_at"].is_string());

    let anna = contact_with(&app, "+436761000001").await;
    assert_eq!(anna["first_name"], "Anna", "R9: Anna gained the number");
    assert_eq!(anna["sms_number"], "+436761000001");
    assert_eq!(anna["whatsapp_number"], "+436761000001");
    let new = contact_with(&app, "+436761000002").await;
    assert_eq!(new["whatsapp_number"], "+436761000002", "R9: a new contact");
    assert_eq!(new["sms_number"], Value::Null);

    let l = ledger(&app, "+436761000001").await;
    assert_eq!(l["active"], true);
    assert_eq!(events(&l), ["opt_in"]);
    assert_eq!(l["data"][0]["reference"], first["id"].to_string());
    assert_eq!(l["data"][0]["text"], "Hallo, ich hätte gern Infos");
    assert_eq!(l["data"][0]["source"], "inbound");
    reply_containing(&app, "+436761000001", "STOP").await;

    let r = whatsapp_send(&app, json!({"numbers": ["0676 1000001", "0676 1000002"]})).await;
    assert_eq!(r["accepted"], 2, "{r}");
    // The inbound messages are kept and shown.
    let (_, inbound) = app.get_json("/api/v1/inbound").await;
    assert_eq!(inbound["data"].as_array().unwrap().len(), 2, "{inbound}");
}

/// R10: START <code> opts in and joins; R12: STOP <code> leaves only that group; unknown
/// codes and keyword-like texts get help replies, not errors.
async fn r10_r12_group_keywords_and_help_replies(backend: Backend) {
    let app = app_with_number(backend).await;
    app.create_group("news").await;
    app.create_group("vip").await;
    let n = "+436761000003";
    write(&app, n, "Start news.").await;
    assert_eq!(opted_in_numbers(&app).await, [n], "R10: opted in first");
    write(&app, n, "  start VIP!").await;
    assert_eq!(
        contact_with(&app, n).await["groups"],
        json!(["NEWS", "VIP"])
    );
    reply_containing(&app, n, "Gruppe NEWS").await;

    write(&app, n, "STOP news").await;
    assert_eq!(contact_with(&app, n).await["groups"], json!(["VIP"]));
    assert_eq!(opted_in_numbers(&app).await, [n], "R12: the opt-in stays");
    reply_containing(&app, n, "Gruppe NEWS verlassen").await;
    let r = whatsapp_send(&app, json!({"groups": ["VIP"]})).await;
    assert_eq!(r["accepted"], 1, "still reached through other groups: {r}");
    let r = whatsapp_send(&app, json!({"numbers": [n]})).await;
    assert_eq!(r["accepted"], 1, "and directly: {r}");

    write(&app, n, "START nope").await;
    let help = reply_containing(&app, n, "NOPE").await;
    assert!(help.contains("START"), "{help}");
    write(&app, n, "Start two words").await;
    reply_containing(&app, n, "um Nachrichten zu erhalten").await;
    let l = ledger(&app, n).await;
    assert_eq!(
        events(&l),
        ["opt_in", "group_joined", "group_joined", "group_left"]
    );
    assert_eq!(l["data"][1]["group"], "NEWS");
    assert_eq!(l["data"][1]["source"], "keyword");
    assert_eq!(l["data"][1]["text"], "Start news.");
}

/// R11: STOP revokes (confirmed, without re-opening the opt-in), sends skip the number
/// `no_opt_in`, and only a new message opts in again. R13: the business revokes through
/// the API; the ledger names the token; the CSV export is the proof.
async fn r11_stop_and_r13_business_revocation(backend: Backend) {
    let app = app_with_number(backend).await;
    let n = "+436761000004";
    write(&app, n, "Hallo").await;
    write(&app, n, "  stopp! ").await;
    assert!(opted_in_numbers(&app).await.is_empty(), "R11: revoked");
    reply_containing(&app, n, "abgemeldet").await;
    assert!(
        opted_in_numbers(&app).await.is_empty(),
        "the confirmation re-opens nothing"
    );
    let r = whatsapp_send(&app, json!({"numbers": [n]})).await;
    assert_eq!(r["accepted"], 0, "{r}");
    assert_eq!(
        r["skipped"],
        json!([{"recipient": n, "reason": "no_opt_in"}])
    );

    write(&app, n, "Doch wieder").await;
    assert_eq!(opted_in_numbers(&app).await, [n], "a new message opts in");

    // R13: a read-only token may not revoke; the full token may, once.
    let path = format!("/api/v1/optins/{}", n.replace('+', "%2B"));
    let reader = app.token_for(TokenScope::ReadOnly).await;
    let (status, _) = json_of(
        app.req_as(&reader, Method::DELETE, &path)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = json_of(app.req(Method::DELETE, &path).send().await.unwrap()).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = json_of(app.req(Method::DELETE, &path).send().await.unwrap()).await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = json_of(
        app.req(Method::DELETE, "/api/v1/optins/12x")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &body["error"]["field"]), (422, &json!("number")));
    assert!(opted_in_numbers(&app).await.is_empty());

    let l = ledger(&app, n).await;
    assert_eq!(l["active"], false);
    assert_eq!(events(&l), ["opt_in", "revoked", "opt_in", "revoked"]);
    assert_eq!(l["data"][1]["source"], "keyword");
    assert_eq!(l["data"][1]["text"], "stopp!");
    assert_eq!(l["data"][3]["source"], "api");
    assert!(
        l["data"][3]["reference"]
            .as_str()
            .unwrap()
            .starts_with("token "),
        "{l}"
    );

    let csv = app
        .req(
            Method::GET,
            &format!("/api/v1/optins/{}/ledger?format=csv", n.replace('+', "%2B")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "at,number,event,source,reference,business_number,group,text"
    );
    assert_eq!(lines.len(), 5, "{text}");
    assert!(
        lines[2].contains(",revoked,keyword,") && lines[2].ends_with(",stopp!"),
        "{text}"
    );
    let (status, e) = app
        .get_json(&format!(
            "/api/v1/optins/{}/ledger?format=xml",
            n.replace('+', "%2B")
        ))
        .await;
    assert_eq!((status, &e["error"]["field"]), (422, &json!("format")));
}

/// R14: editing or deleting a contact leaves its opt-in, and the number can still be sent
/// to. R6, R17: a group send mixing opted-in and other contacts skips the others
/// `no_opt_in`; the preview counts the same.
async fn r14_contacts_never_change_opt_ins_and_r6_r17_skips(backend: Backend) {
    let app = app_with_number(backend).await;
    app.create_group("news").await;
    let anna = app
        .create_contact(
            json!({"first_name": "Anna", "whatsapp_number": "0676 1000005", "groups": ["NEWS"]}),
        )
        .await;
    app.create_contact(
        json!({"first_name": "Bert", "whatsapp_number": "0676 1000006", "groups": ["NEWS"]}),
    )
    .await;
    write(&app, "0676 1000005", "Hallo").await;

    let body = json!({"channel": "whatsapp", "text": "Angebot", "to": {"groups": ["news"]}});
    let (status, p) = app.post_json("/api/v1/sends/preview", body.clone()).await;
    assert_eq!(status, 200, "{p}");
    let (status, r) = app.post_json("/api/v1/sends", body).await;
    assert_eq!(status, 202, "{r}");
    for answer in [&p, &r] {
        assert_eq!(answer["accepted"], 1, "{answer}");
        assert_eq!(
            answer["skipped_by_reason"],
            json!({"no_opt_in": 1}),
            "{answer}"
        );
        assert_eq!(
            answer["skipped"],
            json!([{"recipient": "+436761000006", "reason": "no_opt_in"}])
        );
    }

    // R14: edit, then delete Anna; the opt-in stays and her number is still reachable.
    let url = format!("/api/v1/contacts/{}", anna["id"]);
    let (status, v) = json_of(
        app.req(Method::PUT, &url)
            .json(&json!({"first_name": "Anna B.", "whatsapp_number": "0676 1000005"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let (status, _) = json_of(app.req(Method::DELETE, &url).send().await.unwrap()).await;
    assert_eq!(status, 204);
    assert_eq!(opted_in_numbers(&app).await, ["+436761000005"]);
    let r = whatsapp_send(&app, json!({"numbers": ["0676 1000005"]})).await;
    assert_eq!(r["accepted"], 1, "{r}");
    assert_eq!(events(&ledger(&app, "+436761000005").await), ["opt_in"]);
}

on_both_backends!(
    r7_r9_first_message_opts_in_and_makes_the_contact,
    r10_r12_group_keywords_and_help_replies,
    r11_stop_and_r13_business_revocation,
    r14_contacts_never_change_opt_ins_and_r6_r17_skips,
);
