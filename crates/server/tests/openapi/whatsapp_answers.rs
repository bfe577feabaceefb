//! Real answers of the WhatsApp add-on and settings routes fit the document (R1–R4).

use bote_domain::{TokenScope, UserRole};
use reqwest::Method;
use serde_json::{Value, json};

use crate::schema::*;
use crate::support::{Backend, json_of, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatsapp_and_settings_answers_fit_the_documented_schemas() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = fetch_document(&app).await;
    app.user("boss", "manager-password", UserRole::AccountManager)
        .await;
    let (shop, shop_token) = app.other_account("shop", TokenScope::Full).await;
    let mut seen = 0;
    let mut check = |method: &str, template: &str, status: u16, body: &Value, want: u16| {
        conforms(&doc, method, template, status, body);
        assert_eq!(status, want, "{method} {template}: {body}");
        seen += 1;
    };
    let manager = |m: Method, p: &str, body: Option<Value>| {
        let mut r = app
            .client
            .request(m, app.url(p))
            .basic_auth("boss", Some("manager-password"));
        if let Some(b) = body {
            r = r.json(&b);
        }
        r
    };
    let tenant = |token: &str, m: Method, p: &str, body: Option<Value>| {
        let mut r = app.req_as(token, m, p);
        if let Some(b) = body {
            r = r.json(&b);
        }
        r
    };
    let path = format!("/api/v1/admin/accounts/{}/whatsapp", shop.id.0);
    let t = "/admin/accounts/{id}/whatsapp";

    let (s, v) = json_of(
        manager(Method::PUT, &path, Some(json!({"package": "small"})))
            .send()
            .await
            .unwrap(),
    )
    .await;
    check("PUT", t, s, &v, 200);
    let (s, v) = json_of(
        manager(Method::PUT, &path, Some(json!({"package": "large"})))
            .send()
            .await
            .unwrap(),
    )
    .await;
    check("PUT", t, s, &v, 409);
    let (s, v) = json_of(
        manager(Method::PUT, &path, Some(json!({"package": "huge"})))
            .send()
            .await
            .unwrap(),
    )
    .await;
    check("PUT", t, s, &v, 422);
    let (s, v) = json_of(
        manager(
            Method::PUT,
            "/api/v1/admin/accounts/9999/whatsapp",
            Some(json!({"package": "small"})),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    check("PUT", t, s, &v, 404);
    let (s, v) = json_of(
        tenant(
            &shop_token,
            Method::PUT,
            &path,
            Some(json!({"package": "small"})),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    check("PUT", t, s, &v, 403);
    let (s, v) = json_of(
        manager(
            Method::PUT,
            &path,
            Some(json!({"package": "large", "reset_opt_ins": true})),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    check("PUT", t, s, &v, 200);
    assert_eq!(v["previous_package"], "small");

    let (s, v) = json_of(
        manager(Method::GET, "/api/v1/admin/whatsapp/pending", None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    check("GET", "/admin/whatsapp/pending", s, &v, 200);
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");

    let (s, v) = json_of(
        tenant(&shop_token, Method::GET, "/api/v1/whatsapp", None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    check("GET", "/whatsapp", s, &v, 200);
    assert_eq!(v["state"], "pending");
    let (s, v) = json_of(
        tenant(&app.token, Method::GET, "/api/v1/whatsapp", None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    check("GET", "/whatsapp", s, &v, 200);
    assert_eq!(v["state"], "active");

    let (s, v) = json_of(manager(Method::DELETE, &path, None).send().await.unwrap()).await;
    assert_eq!(s, 204, "{v}");
    let (s, v) = json_of(manager(Method::DELETE, &path, None).send().await.unwrap()).await;
    check("DELETE", t, s, &v, 404);
    let (s, v) = json_of(
        tenant(&shop_token, Method::GET, "/api/v1/whatsapp", None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    check("GET", "/whatsapp", s, &v, 200);
    assert_eq!(v["state"], "none");

    // R1 refusals of sends and previews are documented 403s.
    let wa = json!({"channel": "whatsapp", "text": "Hi", "to": {"numbers": ["0676 1000001"]}});
    let (s, v) = json_of(
        tenant(&shop_token, Method::POST, "/api/v1/sends", Some(wa.clone()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    check("POST", "/sends", s, &v, 403);
    let (s, v) = json_of(
        tenant(&shop_token, Method::POST, "/api/v1/sends/preview", Some(wa))
            .send()
            .await
            .unwrap(),
    )
    .await;
    check("POST", "/sends/preview", s, &v, 403);

    let c = "/settings/callbacks";
    let (s, v) = json_of(
        tenant(&app.token, Method::GET, "/api/v1/settings/callbacks", None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    check("GET", c, s, &v, 200);
    let (s, v) = json_of(
        tenant(
            &app.token,
            Method::PUT,
            "/api/v1/settings/callbacks",
            Some(json!({"inbound_url": "https://example.com/in"})),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    check("PUT", c, s, &v, 200);
    let (s, v) = json_of(
        tenant(
            &app.token,
            Method::PUT,
            "/api/v1/settings/callbacks",
            Some(json!({"inbound_url": "mailto:x"})),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    check("PUT", c, s, &v, 422);
    let (s, v) = json_of(
        tenant(
            &app.token,
            Method::PUT,
            "/api/v1/settings/callbacks",
            Some(json!({"url": "https://example.com"})),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    check("PUT", c, s, &v, 422);
    let (s, v) = json_of(
        tenant(&app.token, Method::GET, "/api/v1/settings/callbacks", None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    check("GET", c, s, &v, 200);
    assert_eq!(v, json!({"inbound_url": "https://example.com/in"}));
    assert!(seen >= 18, "{seen}");
}
