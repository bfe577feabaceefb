//! Every route of the router, read from the source and from the OpenAPI document rather
//! than from a hand-kept list, refuses a request without valid credentials, and no account
//! reaches another account's data through any of them.
//!
//! The API's operations are held to the document by `tests/openapi` (each refuses 401
//! without credentials there); this file covers the routes outside `/api/v1` for want of
//! credentials, and every documented operation for the second account.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use bote_domain::{TokenScope, UserRole};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, LOCATION};
use serde_json::{Value, json};
use support::source_routes::routes_in_source;
use support::{Backend, HARNESS_WHATSAPP_NUMBER, TestApp, json_of, spawn_app, spawn_app_with};

/// Routes anyone may call: the health check, the login page, the language switch, the
/// stylesheets and scripts of the pages and of the opt-in widget.
const PUBLIC: [&str; 5] = [
    "/healthz",
    "/login",
    "/lang/{code}",
    "/static/{name}",
    "/widget-assets/{name}",
];

/// Public by design: the opt-in widget (R8) that any website frames, by its unguessable id,
/// and uploaded media, by unguessable token, which Meta fetches for WhatsApp (R18).
const PUBLIC_PREFIXES: [&str; 2] = ["/w/{", "/media/{"];

/// The WhatsApp webhook: Meta's handshake and signed deliveries, no user credentials.
const WEBHOOK: &str = "/webhooks/whatsapp/{phone_number_id}";

/// Every route merged into the app outside `/api/v1`, with its methods.
fn routes_outside_the_api() -> BTreeSet<(String, String)> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let app_rs = std::fs::read_to_string(manifest.join("src/app.rs")).unwrap();
    let router = &app_rs[app_rs.find("pub fn router(").expect("app.rs has router()")..];
    let router = &router[..router.find("\n}\n").unwrap()];
    assert_eq!(
        router.matches(".route(").count(),
        1,
        "app.rs routes more than /healthz itself; teach this test about it"
    );
    assert!(router.contains(".route(\"/healthz\", get("));
    let mut routes = BTreeSet::from([("/healthz".to_owned(), "GET".to_owned())]);
    // Each `.merge(crate::MODULE::router…)` is scanned in src/MODULE.
    let mut modules = 0;
    for merged in router.split(".merge(crate::").skip(1) {
        let module = &merged[..merged.find("::").unwrap()];
        routes_in_source(&manifest.join("src").join(module), &mut routes);
        modules += 1;
    }
    assert!(modules >= 4, "found only {modules} merged routers");
    assert_eq!(
        router.matches(".nest(").count(),
        router
            .matches(".nest(\"/api/v1\", crate::api::router(")
            .count(),
        "app.rs nests something besides the API; scan it here"
    );
    routes
}

/// The route with each path parameter filled with a plausible value.
fn concrete(route: &str) -> String {
    route
        .split('/')
        .map(|s| match s {
            "{code}" => "en",
            "{name}" => "app.css",
            "{number}" => "%2B436761234567",
            s if s.starts_with('{') => "1",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Refused for want of credentials: 401, or a page's redirect to the login.
fn refused(status: u16, location: Option<&str>) -> bool {
    status == 401 || (status == 303 && location == Some("/login"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_outside_the_api_refuses_a_request_without_valid_credentials() {
    // Dozens of wrong credentials from one address: lift the limit on failures
    // (tests/auth.rs proves it) so every answer here is the route's own.
    let app = spawn_app_with(Backend::Sqlite, |c| c.auth_failures_per_minute = 1_000_000).await;
    app.user("clerk", "correct horse battery", UserRole::Owner)
        .await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let routes = routes_outside_the_api();
    assert!(routes.len() >= 20, "the scan found only {routes:?}");

    let credentials: [(&str, Option<String>); 4] = [
        ("none", None),
        (
            "an unknown token",
            Some("Bearer bote_not-a-token".to_owned()),
        ),
        (
            "a wrong password",
            Some(format!("Basic {}", base64("clerk:wrong password"))),
        ),
        (
            "a token in the password field of an unknown user",
            Some(format!("Basic {}", base64("nobody:bote_not-a-token"))),
        ),
    ];
    for (route, method) in &routes {
        let url = app.url(&concrete(route));
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        for (what, header) in &credentials {
            let mut request = no_redirects.request(m.clone(), &url);
            if let Some(h) = header {
                request = request.header(AUTHORIZATION, h);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned);
            let body = response.text().await.unwrap();
            let at = format!("{method} {route} with {what}");
            if PUBLIC.contains(&route.as_str())
                || PUBLIC_PREFIXES.iter().any(|p| route.starts_with(p))
            {
                assert!(status < 500, "{at}: {status} {body}");
                continue;
            }
            if route == WEBHOOK {
                // An unknown phone_number_id is not found; for a known one, the handshake
                // without hub.verify_token is 403 and a delivery without a valid
                // X-Hub-Signature-256 is 401 (tests/whatsapp_webhook.rs).
                assert_eq!(status, 404, "{at}: {body}");
                continue;
            }
            if route.starts_with("/rest/") || route.starts_with("/json/") {
                // websms clients read the statusCode of the body: 4001 bad credentials.
                let (_, v) = (
                    status,
                    serde_json::from_str::<Value>(&body).unwrap_or_default(),
                );
                assert_eq!(status, 401, "{at}: {body}");
                assert_eq!(v["statusCode"], 4001, "{at}: {body}");
                continue;
            }
            assert!(
                refused(status, location.as_deref()),
                "{at}: not refused for want of credentials: {status} {location:?} {body}"
            );
        }
    }
}

fn base64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// What of account A's data the second account must never see or change.
struct Secrets {
    contact: i64,
    group: i64,
    send: i64,
    message: i64,
    opted_in: &'static str,
    /// Strings that identify A's data in any answer.
    markers: [&'static str; 4],
}

const A_NUMBER: &str = "+436763333333";

async fn account_a_with_data(app: &TestApp) -> Secrets {
    let group = app.create_group("geheimgruppe").await;
    let contact = app
        .create_contact(json!({
            "sms_number": A_NUMBER, "first_name": "Geheimnis", "groups": ["GEHEIMGRUPPE"]
        }))
        .await;
    // A customer writes to A's WhatsApp number: inbound message and opt-in (R7).
    let (status, r) = app
        .post_json(
            "/api/v1/sandbox/inbound",
            json!({"channel": "whatsapp", "from": A_NUMBER, "to": HARNESS_WHATSAPP_NUMBER,
                   "text": "Vertraulich hallo"}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    let (status, send) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "sms", "text": "Vertraulich: Ihr Termin", "to": {"groups": ["GEHEIMGRUPPE"]},
                   "schedule_at": "2099-01-01T08:00:00Z"}),
        )
        .await;
    assert_eq!(status, 202, "{send}");
    let send_id = send["id"].as_i64().unwrap();
    let (_, messages) = app
        .get_json(&format!("/api/v1/messages?send={send_id}"))
        .await;
    let message = messages["data"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{messages}"));
    Secrets {
        contact: contact["id"].as_i64().unwrap(),
        group: group["id"].as_i64().unwrap(),
        send: send_id,
        message,
        opted_in: A_NUMBER,
        markers: ["Geheimnis", "6763333333", "GEHEIMGRUPPE", "Vertraulich"],
    }
}

/// The operation's path with A's ids in it; every parameterised path must be known here.
fn with_a_ids(path: &str, a: &Secrets, app: &TestApp) -> String {
    let fill = |param: &str, value: String| path.replace(param, &value);
    match path {
        p if p.starts_with("/contacts/{id}") => fill("{id}", a.contact.to_string()),
        p if p.starts_with("/groups/{id}") => fill("{id}", a.group.to_string()),
        p if p.starts_with("/sends/{id}") => fill("{id}", a.send.to_string()),
        p if p.starts_with("/messages/{id}") => fill("{id}", a.message.to_string()),
        p if p.starts_with("/optins/{number}") => fill("{number}", a.opted_in.to_owned()),
        p if p.starts_with("/admin/accounts/{id}") => fill("{id}", app.account.id.0.to_string()),
        p if p.starts_with("/admin/numbers/{id}") => fill("{id}", "1".to_owned()),
        p if p.contains('{') => panic!("{p}: tell this test which of A's resources to use"),
        p => p.to_owned(),
    }
}

/// The documented example body of an operation, if it takes one.
fn example_body(doc: &Value, op: &Value) -> Option<(String, Value)> {
    let mut body = op.get("requestBody")?;
    if let Some(r) = body.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap();
        body = &doc["components"]["requestBodies"][name];
    }
    let (kind, content) = body["content"].as_object()?.iter().next()?;
    let example = content
        .get("example")
        .cloned()
        .or_else(|| {
            content["examples"]
                .as_object()
                .and_then(|e| e.values().next())
                .map(|e| e["value"].clone())
        })
        .unwrap_or_else(|| panic!("{kind} body without an example"));
    Some((kind.clone(), example))
}

async fn no_account_reaches_another_accounts_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = account_a_with_data(&app).await;
    // A's own time zone, which B's `PUT /settings/account` must not touch.
    app.store
        .set_account_time_zone(app.account.id, Some(chrono_tz::America::New_York))
        .await
        .unwrap();
    let (_, b) = app.other_account("zweite", TokenScope::Full).await;
    let document = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api/openapi.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(document).unwrap()).unwrap();

    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !["get", "put", "post", "patch", "delete"].contains(&method.as_str()) {
                continue; // path-level `parameters`
            }
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            if op["security"].as_array().is_some_and(Vec::is_empty) {
                continue; // public: the document and its page
            }
            let concrete = with_a_ids(path, &a, &app);
            let mut request = app.req_as(&b, m.clone(), &format!("/api/v1{concrete}"));
            if let Some((kind, example)) = example_body(&doc, op) {
                request = match example {
                    Value::String(text) => request.header("content-type", kind).body(text),
                    v => request.json(&v),
                };
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            let at = format!(
                "{} /api/v1{path} as the second account",
                method.to_uppercase()
            );
            // B may name A's opted-in number itself; the answer must add nothing of A's.
            for marker in a.markers.iter().filter(|m| !concrete.contains(*m)) {
                assert!(!text.contains(marker), "{at}: shows A's {marker:?}: {text}");
            }
            if path.starts_with("/admin/") {
                assert_eq!(status, 403, "{at}: not an account manager: {text}");
            } else if path.contains("{id}") {
                assert_eq!(
                    status, 404,
                    "{at}: A's resource must not exist for B: {text}"
                );
            } else {
                // Lists, and a number's opt-in state and ledger: B's own (empty) view.
                assert!(status < 500, "{at}: {status} {text}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 40, "checked only {checked} operations");

    // Whatever B sent, A's data is as it was.
    let (status, contact) = app
        .get_json(&format!("/api/v1/contacts/{}", a.contact))
        .await;
    assert_eq!((status, &contact["first_name"]), (200, &json!("Geheimnis")));
    let (status, group) = app.get_json(&format!("/api/v1/groups/{}", a.group)).await;
    assert_eq!(
        (status, &group["code"]),
        (200, &json!("GEHEIMGRUPPE")),
        "{group}"
    );
    let (status, send) = app.get_json(&format!("/api/v1/sends/{}", a.send)).await;
    assert_eq!(status, 200);
    assert!(
        !["paused", "cancelled"].contains(&send["state"].as_str().unwrap_or_default()),
        "{send}"
    );
    let (_, optins) = app.get_json("/api/v1/optins").await;
    assert!(
        optins.to_string().contains(a.opted_in),
        "A's opt-in (R13 by B?): {optins}"
    );
    let (_, zone) = app.get_json("/api/v1/settings/account").await;
    assert_eq!(zone["time_zone"], "America/New_York", "A's zone: {zone}");
    let (status, _) = json_of(
        app.req(Method::GET, &format!("/api/v1/messages/{}", a.message))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_account_reaches_another_accounts_data_sqlite() {
    no_account_reaches_another_accounts_data(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_account_reaches_another_accounts_data_postgres() {
    no_account_reaches_another_accounts_data(Backend::Postgres).await;
}
