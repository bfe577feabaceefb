//! Real answers of every operation, and the errors, fit the documented schema for their status.

use std::collections::{BTreeMap, BTreeSet};

use bote_domain::{TokenScope, UserRole};
use reqwest::Method;
use serde_json::{Value, json};

use crate::schema::*;
use crate::support::{self, Backend, TestApp, json_of, spawn_app};

/// Calls the API as acme's full token and checks each answer against the document,
/// remembering which (method, path) answered which statuses.
struct Caller<'a> {
    app: &'a TestApp,
    doc: &'a Value,
    seen: BTreeMap<(String, String), BTreeSet<u16>>,
}

impl Caller<'_> {
    async fn call(
        &mut self,
        method: Method,
        template: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.app.req(method.clone(), path);
        if let Some(b) = body {
            request = request.json(&b);
        }
        let (status, v) = json_of(request.send().await.unwrap()).await;
        conforms(self.doc, method.as_str(), template, status, &v);
        self.seen
            .entry((method.to_string(), template.to_owned()))
            .or_default()
            .insert(status);
        (status, v)
    }

    /// `call`, which must answer `status`.
    async fn expect(
        &mut self,
        method: Method,
        template: &str,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let at = format!("{method} {path}");
        let (got, v) = self.call(method, template, path, body).await;
        assert_eq!(got, status, "{at}: {v}");
        v
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_answers_fit_the_documented_schemas() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = fetch_document(&app).await;
    let mut api = Caller {
        app: &app,
        doc: &doc,
        seen: BTreeMap::new(),
    };

    let (s, group) = api
        .call(
            Method::POST,
            "/groups",
            "/api/v1/groups",
            Some(json!({"code": "news", "name": "Newsletter"})),
        )
        .await;
    assert_eq!(s, 201);
    let gid = group["id"].as_i64().unwrap();
    let g = format!("/api/v1/groups/{gid}");
    api.expect(Method::GET, "/groups", "/api/v1/groups", None, 200)
        .await;
    api.expect(Method::GET, "/groups/{id}", &g, None, 200).await;
    api.expect(
        Method::PATCH,
        "/groups/{id}",
        &g,
        Some(json!({"name": "News"})),
        200,
    )
    .await;
    api.expect(
        Method::POST,
        "/groups",
        "/api/v1/groups",
        Some(json!({"code": "NEWS"})),
        409,
    )
    .await;

    let (s, anna) = api.call(
        Method::POST,
        "/contacts",
        "/api/v1/contacts",
        Some(json!({"first_name": "Anna", "last_name": "Huber", "sms_number": "0676 1234567", "fields": {"city": "Wien"}, "groups": ["NEWS"]})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, cleo) = api
        .call(
            Method::POST,
            "/contacts",
            "/api/v1/contacts",
            Some(json!({"first_name": "Cleo", "whatsapp_number": "0664 7654321"})),
        )
        .await;
    assert_eq!(s, 201);
    let (a, c) = (anna["id"].as_i64().unwrap(), cleo["id"].as_i64().unwrap());
    let (st, e) = api
        .call(
            Method::POST,
            "/contacts",
            "/api/v1/contacts",
            Some(json!({"sms_number": "+43 676 1234567"})),
        )
        .await;
    assert_eq!(st, 409, "a number belongs to one contact: {e}");
    let anna_url = format!("/api/v1/contacts/{a}");
    api.expect(
        Method::GET,
        "/contacts",
        "/api/v1/contacts?search=Huber&limit=10",
        None,
        200,
    )
    .await;
    api.expect(Method::GET, "/contacts/{id}", &anna_url, None, 200)
        .await;
    api.expect(
        Method::PATCH,
        "/contacts/{id}",
        &anna_url,
        Some(json!({"last_name": null})),
        200,
    )
    .await;
    api.expect(
        Method::PUT,
        "/contacts/{id}",
        &anna_url,
        Some(json!({"first_name": "Anna", "sms_number": "+436761234567", "groups": ["NEWS"]})),
        200,
    )
    .await;
    api.expect(
        Method::POST,
        "/contacts",
        "/api/v1/contacts",
        Some(json!({"sms_number": "12x"})),
        422,
    )
    .await;
    api.expect(
        Method::GET,
        "/contacts/{id}",
        "/api/v1/contacts/999999",
        None,
        404,
    )
    .await;
    api.expect(
        Method::GET,
        "/contacts",
        "/api/v1/contacts?page=2",
        None,
        400,
    )
    .await;
    api.expect(
        Method::GET,
        "/contacts",
        "/api/v1/contacts?limit=0",
        None,
        422,
    )
    .await;

    let members = format!("{g}/members");
    api.expect(
        Method::POST,
        "/groups/{id}/members",
        &members,
        Some(json!({"contacts": [c, 999]})),
        200,
    )
    .await;
    api.expect(Method::GET, "/groups/{id}/members", &members, None, 200)
        .await;
    api.expect(
        Method::POST,
        "/groups/{id}/members/remove",
        &format!("{members}/remove"),
        Some(json!({"contacts": [c]})),
        200,
    )
    .await;
    api.expect(
        Method::DELETE,
        "/groups/{id}/members",
        &members,
        Some(json!({"contacts": [a]})),
        200,
    )
    .await;
    api.expect(
        Method::POST,
        "/groups/{id}/members",
        &members,
        Some(json!({"contacts": [a]})),
        200,
    )
    .await;

    let (s, sent) = api.call(
        Method::POST,
        "/sends",
        "/api/v1/sends",
        Some(json!({
            "channel": "sms", "text": "Hallo {{first_name}}!", "sender": "bote", "client_message_id": "doc-1",
            "schedule_at": "2099-01-01T00:00:00Z",
            "window": {"days": ["mon", "fri"], "from": "20:00", "to": "06:00"},
            "to": {"numbers": ["0676 1000001", "12x"], "contacts": [a, c], "groups": ["NEWS"]}
        })),
    )
    .await;
    assert_eq!(s, 202);
    assert!(
        sent["sms"].is_object() && !sent["skipped"].as_array().unwrap().is_empty(),
        "{sent}"
    );
    let sid = sent["id"].as_i64().unwrap();
    let (s, typed) = api.call(
        Method::POST,
        "/sends",
        "/api/v1/sends",
        Some(json!({"channel": "sms", "text": "Grüße €", "sender": {"address": "4367612345678", "type": "international"}, "test": true, "to": {"numbers": ["0676 1000001"]}})),
    )
    .await;
    assert_eq!(s, 202, "{typed}");
    let (s, ucs2) = api.call(Method::POST, "/sends", "/api/v1/sends", Some(json!({"channel": "sms", "text": "Hallo 👋", "test": true, "to": {"numbers": ["0676 1000001"]}}))).await;
    assert_eq!(
        (s, ucs2["sms"]["ucs2_trigger"].is_object()),
        (202, true),
        "{ucs2}"
    );
    api.expect(
        Method::POST,
        "/sends",
        "/api/v1/sends",
        Some(json!({"channel": "sms", "text": "x", "to": {}})),
        422,
    )
    .await;
    let s = format!("/api/v1/sends/{sid}");
    api.expect(Method::GET, "/sends", "/api/v1/sends", None, 200)
        .await;
    api.expect(Method::GET, "/sends/{id}", &s, None, 200).await;
    api.expect(
        Method::POST,
        "/sends/{id}/pause",
        &format!("{s}/pause"),
        None,
        200,
    )
    .await;
    api.expect(
        Method::POST,
        "/sends/{id}/resume",
        &format!("{s}/resume"),
        None,
        200,
    )
    .await;
    api.expect(
        Method::POST,
        "/sends/{id}/cancel",
        &format!("{s}/cancel"),
        None,
        200,
    )
    .await;
    // a cancelled send stays cancelled
    api.expect(
        Method::POST,
        "/sends/{id}/resume",
        &format!("{s}/resume"),
        None,
        409,
    )
    .await;
    let (st, messages) = api
        .call(
            Method::GET,
            "/messages",
            &format!("/api/v1/messages?send={sid}"),
            None,
        )
        .await;
    assert_eq!(st, 200);
    let mid = messages["data"][0]["id"].as_i64().unwrap();
    api.expect(
        Method::GET,
        "/messages/{id}",
        &format!("/api/v1/messages/{mid}"),
        None,
        200,
    )
    .await;
    api.expect(
        Method::GET,
        "/messages",
        "/api/v1/messages?status=nope",
        None,
        422,
    )
    .await;

    // Bodies that are not JSON, or not JSON at all.
    let (st, e) = json_of(
        app.req(Method::POST, "/api/v1/contacts")
            .body("{")
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "POST", "/contacts", st, &e);
    assert_eq!(st, 400);
    let (st, e) = json_of(
        app.req(Method::POST, "/api/v1/contacts")
            .body("x")
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "POST", "/contacts", st, &e);
    assert_eq!(st, 415);

    // A token with too little scope.
    let reader = app.token_for(TokenScope::ReadOnly).await;
    let (st, e) = json_of(
        app.req_as(&reader, Method::POST, "/api/v1/sends")
            .json(&json!({"channel": "sms", "text": "x", "to": {"numbers": ["0676 1000001"]}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "POST", "/sends", st, &e);
    assert_eq!(st, 403);

    // CSV in and out.
    let csv =
        "first_name,last_name,sms_number,groups\nBert,Maier,0676 2000002,NEWS\nBad,Row,12x,\n";
    let (st, report) = json_of(
        app.req(Method::POST, "/api/v1/contacts/import")
            .body(csv)
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "POST", "/contacts/import", st, &report);
    assert_eq!(
        (st, report["rejected_count"].as_u64()),
        (200, Some(1)),
        "{report}"
    );
    let (st, e) = json_of(
        app.req(Method::POST, "/api/v1/contacts/import")
            .body("a,b\n1,2,3\n")
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "POST", "/contacts/import", st, &e);
    assert_eq!(st, 422);
    let export = app
        .req(Method::GET, "/api/v1/contacts/export?group=news")
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let documented_type = doc["paths"]["/contacts/export"]["get"]["responses"]["200"]["content"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    assert!(
        export.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(&documented_type)
    );

    // Account managers.
    app.user("boss", "manager-password", UserRole::AccountManager)
        .await;
    let as_manager = |m: Method, p: &str| {
        app.client
            .request(m, app.url(p))
            .basic_auth("boss", Some("manager-password"))
    };
    let (st, list) = json_of(
        as_manager(Method::GET, "/api/v1/admin/accounts")
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "GET", "/admin/accounts", st, &list);
    assert_eq!(st, 200);
    let (st, account) = json_of(
        as_manager(Method::POST, "/api/v1/admin/accounts")
            .json(&json!({"name": "bakery", "kind": "test", "verified_number": "0676 1234567"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "POST", "/admin/accounts", st, &account);
    assert_eq!(st, 201);
    let (st, e) = json_of(
        as_manager(Method::GET, "/api/v1/contacts")
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "GET", "/contacts", st, &e);
    assert_eq!(st, 403);

    api.expect(Method::DELETE, "/contacts/{id}", &anna_url, None, 204)
        .await;
    api.expect(Method::DELETE, "/groups/{id}", &g, None, 204)
        .await;
    api.expect(Method::DELETE, "/groups/{id}", &g, None, 404)
        .await;
    api.expect(Method::GET, "/channels", "/api/v1/channels", None, 200)
        .await;

    // Consent: an opt-in given as the business would, its list and ledger, keyword settings.
    let number =
        bote_domain::PhoneNumber::parse("+436761000001", bote_domain::Region::AUSTRIA).unwrap();
    let source = bote_store::ConsentSource {
        kind: bote_store::SourceKind::Keyword,
        reference: Some("7".into()),
        text: Some("START".into()),
        business_number: Some("+43800100100".into()),
    };
    app.store
        .give_opt_in(app.account.id, &number, source, None)
        .await
        .unwrap();
    let optins = api
        .expect(Method::GET, "/optins", "/api/v1/optins", None, 200)
        .await;
    assert_eq!(optins["data"].as_array().unwrap().len(), 1, "{optins}");
    let ledger = "/api/v1/optins/%2B436761000001/ledger";
    api.expect(Method::GET, "/optins/{number}/ledger", ledger, None, 200)
        .await;
    let one = "/api/v1/optins/%2B436761000001";
    api.expect(Method::DELETE, "/optins/{number}", one, None, 204)
        .await;
    api.expect(Method::DELETE, "/optins/{number}", one, None, 404)
        .await;
    let settings = "/api/v1/settings/keywords";
    api.expect(Method::GET, "/settings/keywords", settings, None, 200)
        .await;
    let words = json!({"stop_words": ["ende"], "replies": {"opted_in": null}});
    api.expect(
        Method::PUT,
        "/settings/keywords",
        settings,
        Some(words),
        200,
    )
    .await;
    let bad = json!({"stop_words": ["two words"]});
    api.expect(Method::PUT, "/settings/keywords", settings, Some(bad), 422)
        .await;
    // R21: statistics, and a bad interval.
    api.expect(
        Method::GET,
        "/stats",
        "/api/v1/stats?interval=month",
        None,
        200,
    )
    .await;
    api.expect(
        Method::GET,
        "/stats",
        "/api/v1/stats?interval=week",
        None,
        422,
    )
    .await;
    assert!(api.seen.len() >= 15, "{:?}", api.seen);
}

/// `GET /channels` with an SMPP connection, as a tenant and as an account manager (who
/// also sees the SMSC's address).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_answers_fit_the_documented_schema() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let smpp = bote::config::parse_smpp_urls(&format!(
        "smpp://bote:secret@127.0.0.1:{port}?name=main&routes=43676"
    ))
    .unwrap();
    let app = support::spawn_app_with(Backend::Sqlite, move |c| c.smpp = smpp).await;
    let doc = fetch_document(&app).await;
    let (st, list) = app.get_json("/api/v1/channels").await;
    conforms(&doc, "GET", "/channels", st, &list);
    assert_eq!((st, list.as_array().unwrap().len()), (200, 3), "{list}");
    app.user("boss", "manager-password", UserRole::AccountManager)
        .await;
    let (st, list) = json_of(
        app.client
            .get(app.url("/api/v1/channels"))
            .basic_auth("boss", Some("manager-password"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    conforms(&doc, "GET", "/channels", st, &list);
    assert_eq!(list[1]["smsc"]["port"], port, "{list}");
}
