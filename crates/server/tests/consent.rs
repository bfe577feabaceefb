//! Opt-ins and keywords end to end (R2, R6, R7, R9–R14, R17): customers write through the
//! real sandbox inbound route, the real pipeline answers through the sandbox WhatsApp
//! channel, and sends are checked against the opt-in list.

mod support;

use bote::consent::{OptInPolicy, handle, handle_batch};
use bote::inbound::{receive, sandbox_message};
use bote_domain::{ChannelKind, PhoneNumber, Region, TokenScope};
use bote_store::{NewBusinessNumber, OptInResult};
use reqwest::Method;
use serde_json::{Value, json};
use support::{Backend, TestApp, eventually, json_of, opted_in_numbers, spawn_app};

const BUSINESS: &str = "+43800100100";

async fn app_with_number(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    app.store
        .add_business_number(
            app.account.id,
            NewBusinessNumber::plain(ChannelKind::Whatsapp, BUSINESS),
        )
        .await
        .unwrap();
    app
}

/// A customer's WhatsApp message to the business number, through the sandbox route.
async fn write(app: &TestApp, from: &str, text: &str) -> Value {
    let (status, r) = app
        .post_json(
            "/api/v1/sandbox/inbound",
            json!({"channel": "whatsapp", "from": from, "to": BUSINESS, "text": text}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    r
}

async fn whatsapp_send(app: &TestApp, to: Value) -> Value {
    let (status, r) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "whatsapp", "text": "Neu bei uns 🎉", "to": to}),
        )
        .await;
    assert_eq!(status, 202, "{r}");
    r
}

/// Waits until the number's sandbox WhatsApp inbox holds a message containing `part`.
async fn reply_containing(app: &TestApp, number: &str, part: &str) -> String {
    let inbox = app.sandbox.whatsapp.inbox();
    eventually(10, &format!("a reply with '{part}' to {number}"), || {
        let found = inbox
            .messages(number)
            .into_iter()
            .find(|m| m.text.contains(part))
            .map(|m| m.text);
        async move { found }
    })
    .await
}

async fn ledger(app: &TestApp, number: &str) -> Value {
    let path = format!("/api/v1/optins/{}/ledger", number.replace('+', "%2B"));
    let (status, l) = app.get_json(&path).await;
    assert_eq!(status, 200, "{l}");
    l
}

fn events(ledger: &Value) -> Vec<String> {
    ledger["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect()
}

async fn contact_with(app: &TestApp, number: &str) -> Value {
    let (_, page) = app
        .get_json(&format!(
            "/api/v1/contacts?search={}",
            number.replace('+', "%2B")
        ))
        .await;
    let all = page["data"].as_array().unwrap();
    assert_eq!(all.len(), 1, "one contact with {number}: {page}");
    all[0].clone()
}

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

/// R2: with a cap, an opt-in beyond it is refused and recorded (pipeline with an explicit
/// policy). R3: keyword-only without kept replies: a plain message gives no opt-in, gets
/// the help reply and is not kept; START opts in.
async fn r2_cap_and_r3_keyword_only_policies(backend: Backend) {
    let app = app_with_number(backend).await;
    let store = app.store.as_ref();
    let number = |n: &str| PhoneNumber::parse(n, Region::AUSTRIA).unwrap();
    let capped = OptInPolicy {
        cap: Some(1),
        ..OptInPolicy::OPEN
    };
    let message = |from: &str, text: &str| {
        sandbox_message(
            ChannelKind::Whatsapp,
            &number(from),
            BUSINESS.into(),
            text.into(),
        )
    };
    let (first, _) = store
        .record_inbound(message("0676 1000007", "Hallo"))
        .await
        .unwrap();
    let handled = handle(store, &first, capped).await.unwrap();
    assert!(
        matches!(handled.opt_in, Some(OptInResult::Given { .. })),
        "{handled:?}"
    );
    let (second, _) = store
        .record_inbound(message("0676 1000008", "Hallo"))
        .await
        .unwrap();
    let handled = handle(store, &second, capped).await.unwrap();
    assert_eq!(
        handled.opt_in,
        Some(OptInResult::Refused { cap: 1, active: 1 })
    );
    assert_eq!(opted_in_numbers(&app).await, ["+436761000007"]);
    let l = ledger(&app, "+436761000008").await;
    assert_eq!(events(&l), ["refused"], "R2: recorded and visible");
    assert_eq!(l["active"], false);

    let small = OptInPolicy {
        cap: None,
        keyword_only: true,
        keep_replies: false,
        may_reply: true,
    };
    let (plain, _) = store
        .record_inbound(message("0676 1000009", "Was kostet das?"))
        .await
        .unwrap();
    let handled = handle(store, &plain, small).await.unwrap();
    assert_eq!(handled.opt_in, None, "R3/R7: keyword only");
    assert!(!handled.kept);
    assert!(handled.reply.is_some());
    reply_containing(&app, "+436761000009", "START").await;
    let (start, _) = store
        .record_inbound(message("0676 1000009", "START"))
        .await
        .unwrap();
    let handled = handle(store, &start, small).await.unwrap();
    assert!(matches!(handled.opt_in, Some(OptInResult::Given { .. })));
    assert!(handled.kept, "keywords are kept");
    let (_, inbound) = app.get_json("/api/v1/inbound?from=%2B436761000009").await;
    let texts: Vec<&str> = inbound["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["START"],
        "R3: the plain message is not kept: {inbound}"
    );
}

/// Keyword variants and per-account words; settings are checked; a re-delivered message
/// runs no keyword twice; SMS keywords only when the account turns them on.
async fn keyword_settings_variants_and_redelivery(backend: Backend) {
    let app = app_with_number(backend).await;
    app.create_group("news").await;
    let (status, defaults) = app.get_json("/api/v1/settings/keywords").await;
    assert_eq!(status, 200, "{defaults}");
    assert_eq!(defaults["sms_keywords"], false);
    assert!(defaults["replies"]["stopped"].is_string());
    let (status, e) = json_of(
        app.req(Method::PUT, "/api/v1/settings/keywords")
            .json(&json!({"stop_words": ["two words"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, &e["error"]["field"]),
        (422, &json!("stop_words")),
        "{e}"
    );
    let (status, saved) = json_of(
        app.req(Method::PUT, "/api/v1/settings/keywords")
            .json(&json!({"start_words": ["ja"], "stop_words": ["Ende"], "replies": {"opted_in": null}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["start_words"], json!(["JA"]));
    assert_eq!(saved["replies"]["opted_in"], Value::Null);
    assert!(
        saved["replies"]["stopped"].is_string(),
        "missing replies keep the default"
    );
    let reader = app.token_for(TokenScope::ReadOnly).await;
    let (status, _) = json_of(
        app.req_as(&reader, Method::PUT, "/api/v1/settings/keywords")
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403);

    let n = "+436761000010";
    write(&app, n, "Ja NEWS").await;
    assert_eq!(contact_with(&app, n).await["groups"], json!(["NEWS"]));
    write(&app, n, "ende.").await;
    assert!(
        opted_in_numbers(&app).await.is_empty(),
        "per-account STOP word"
    );
    write(&app, n, "ANMELDEN").await;
    write(&app, n, "abmelden").await;
    assert!(opted_in_numbers(&app).await.is_empty(), "ABMELDEN");

    // A provider delivering the same STOP again runs it once.
    let from = PhoneNumber::parse(n, Region::AUSTRIA).unwrap();
    let mut stop = sandbox_message(ChannelKind::Whatsapp, &from, BUSINESS.into(), "STOP".into());
    stop.provider_id = Some("wamid.same".into());
    write(&app, n, "START").await;
    receive(app.store.as_ref(), &Default::default(), stop.clone())
        .await
        .unwrap();
    write(&app, n, "Hallo nochmal").await;
    receive(app.store.as_ref(), &Default::default(), stop)
        .await
        .unwrap();
    assert_eq!(
        opted_in_numbers(&app).await,
        [n],
        "the repeat changed nothing"
    );

    // SMS keywords: ignored until the account turns them on; then STOP by SMS revokes.
    app.store
        .add_business_number(
            app.account.id,
            NewBusinessNumber::plain(ChannelKind::Sms, "0828"),
        )
        .await
        .unwrap();
    let sms_stop = json!({"channel": "sms", "from": n, "to": "0828", "text": "STOP"});
    let (status, _) = app
        .post_json("/api/v1/sandbox/inbound", sms_stop.clone())
        .await;
    assert_eq!(status, 201);
    assert_eq!(opted_in_numbers(&app).await, [n], "sms_keywords is off");
    let (status, _) = json_of(
        app.req(Method::PUT, "/api/v1/settings/keywords")
            .json(&json!({"sms_keywords": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = app.post_json("/api/v1/sandbox/inbound", sms_stop).await;
    assert_eq!(status, 201);
    assert!(opted_in_numbers(&app).await.is_empty(), "STOP by SMS");
}

/// Messages processed together (`handle_batch`): a sender's messages take effect in their
/// order, the cap gives in message order across senders, and the replies of a wave go out
/// as one send per text.
async fn a_batch_goes_in_waves_with_one_reply_send_per_text(backend: Backend) {
    let app = app_with_number(backend).await;
    app.create_group("news").await;
    let store = app.store.as_ref();
    let (a, b, c, d) = (
        "+436761000041",
        "+436761000042",
        "+436761000043",
        "+436761000044",
    );
    let message = |from: &str, text: &str| {
        let from = PhoneNumber::parse(from, Region::AUSTRIA).unwrap();
        sandbox_message(ChannelKind::Whatsapp, &from, BUSINESS.into(), text.into())
    };
    let stored = store
        .record_inbound_batch(
            vec![
                message(a, "Hallo"),
                message(b, "START"),
                message(c, "Hallo"),
                message(a, "STOP"),
                message(b, "START NEWS"),
                message(d, "START NEWS"),
            ],
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap();
    let records: Vec<_> = stored.iter().map(|(r, _)| r).collect();
    let policy = OptInPolicy {
        cap: Some(3),
        ..OptInPolicy::OPEN
    };
    let settings = store.keyword_settings(app.account.id).await.unwrap();
    let handled: Vec<_> = handle_batch(store, app.account.id, &records, &settings, policy)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let given = |at: usize| matches!(handled[at].opt_in, Some(OptInResult::Given { .. }));
    assert!(given(0) && given(1) && given(2), "{handled:?}");
    assert_eq!(handled[3].opt_in, None, "STOP gives none");
    assert!(matches!(
        handled[4].opt_in,
        Some(OptInResult::AlreadyActive(_))
    ));
    assert_eq!(
        handled[5].opt_in,
        Some(OptInResult::Refused { cap: 3, active: 3 }),
        "R2: the cap is reached by the earlier messages"
    );
    assert_eq!(handled[5].reply, None, "a refused START is not confirmed");
    assert!(
        handled[..5].iter().all(|h| h.reply.is_some()),
        "{handled:?}"
    );

    assert_eq!(opted_in_numbers(&app).await, [c, b]);
    assert_eq!(events(&ledger(&app, a).await), ["opt_in", "revoked"]);
    assert_eq!(events(&ledger(&app, b).await), ["opt_in", "group_joined"]);
    assert_eq!(events(&ledger(&app, d).await), ["refused"]);
    assert_eq!(contact_with(&app, b).await["groups"], json!(["NEWS"]));
    // A's replies arrive in the order of A's messages.
    reply_containing(&app, a, "abgemeldet").await;
    let texts: Vec<String> = app
        .sandbox
        .whatsapp
        .inbox()
        .messages(a)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(texts[0].starts_with("Danke"), "{texts:?}");
    assert!(texts[1].contains("abgemeldet"), "{texts:?}");
    // Three sends: the confirmation to A, B and C together; then STOP's and the group's.
    let (status, sends) = app.get_json("/api/v1/sends").await;
    assert_eq!(status, 200, "{sends}");
    let sizes: Vec<u64> = sends["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["source"] == "keyword")
        .map(|s| {
            s["counts"]
                .as_object()
                .unwrap()
                .values()
                .map(|n| n.as_u64().unwrap())
                .sum()
        })
        .collect();
    let mut sorted = sizes.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [1, 1, 3], "{sends}");
}

on_both_backends!(
    r7_r9_first_message_opts_in_and_makes_the_contact,
    r10_r12_group_keywords_and_help_replies,
    r11_stop_and_r13_business_revocation,
    r14_contacts_never_change_opt_ins_and_r6_r17_skips,
    r2_cap_and_r3_keyword_only_policies,
    keyword_settings_variants_and_redelivery,
    a_batch_goes_in_waves_with_one_reply_send_per_text,
);
