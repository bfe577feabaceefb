//! Real answers of the account and user settings fit the document: the account's time zone
//! (a token's) and the signed-in user's own email address (a password's; a token is 403).

use bote_domain::{TokenScope, UserRole};
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

use crate::schema::*;
use crate::support::{Backend, json_of, spawn_app};

async fn answer(request: RequestBuilder, body: Option<Value>) -> (u16, Value) {
    let request = match body {
        Some(b) => request.json(&b),
        None => request,
    };
    json_of(request.send().await.unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_and_user_settings_fit_the_documented_schemas() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = fetch_document(&app).await;
    app.user("anna", "correct horse", UserRole::Owner).await;
    let read_only = app.token_for(TokenScope::ReadOnly).await;
    let account = "/api/v1/settings/account";
    let user = "/api/v1/settings/user";
    let anna = |m: Method| {
        app.client
            .request(m, app.url(user))
            .basic_auth("anna", Some("correct horse"))
    };
    let cases: Vec<(&str, RequestBuilder, Option<Value>, u16)> = vec![
        (
            "/settings/account",
            app.req(Method::GET, account),
            None,
            200,
        ),
        (
            "/settings/account",
            app.req(Method::PUT, account),
            Some(json!({"time_zone": "Asia/Kolkata"})),
            200,
        ),
        (
            "/settings/account",
            app.req(Method::PUT, account),
            Some(json!({"time_zone": "Asia/Mumbai"})),
            422,
        ),
        (
            "/settings/account",
            app.req(Method::PUT, account),
            Some(json!({"time_zone": "UTC", "zone": "UTC"})),
            422,
        ),
        (
            "/settings/account",
            app.req_as(&read_only, Method::PUT, account),
            Some(json!({"time_zone": null})),
            403,
        ),
        ("/settings/user", anna(Method::GET), None, 200),
        (
            "/settings/user",
            anna(Method::PUT),
            Some(json!({"email": "anna@laden.example"})),
            200,
        ),
        (
            "/settings/user",
            anna(Method::PUT),
            Some(json!({"email": "anna at laden"})),
            422,
        ),
        ("/settings/user", app.req(Method::GET, user), None, 403),
        (
            "/settings/user",
            app.req(Method::PUT, user),
            Some(json!({"email": null})),
            403,
        ),
    ];
    for (template, request, body, want) in cases {
        let method = request
            .try_clone()
            .unwrap()
            .build()
            .unwrap()
            .method()
            .to_string();
        let (status, v) = answer(request, body).await;
        conforms(&doc, &method, template, status, &v);
        assert_eq!(status, want, "{method} {template}: {v}");
    }
}
