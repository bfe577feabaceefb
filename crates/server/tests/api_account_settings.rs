//! The account's time zone (`/api/v1/settings/account`) and each user's own email address
//! (`/api/v1/settings/user`) through the API: set, read back, refused with the field named,
//! and only ever the caller's own; account managers give a new account its zone.

mod support;

use bote_domain::{TokenScope, UserRole};
use chrono_tz::{America, Asia};
use reqwest::Method;
use serde_json::{Value, json};
use support::{Backend, TestApp, json_of, spawn_app};

const ACCOUNT: &str = "/api/v1/settings/account";
const USER: &str = "/api/v1/settings/user";

async fn call(app: &TestApp, token: &str, method: Method, body: Option<Value>) -> (u16, Value) {
    let mut request = app.req_as(token, method, ACCOUNT);
    if let Some(b) = body {
        request = request.json(&b);
    }
    json_of(request.send().await.unwrap()).await
}

/// A request to `path` as a user signed in with their password.
async fn as_user(
    app: &TestApp,
    (name, password): (&str, &str),
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app
        .client
        .request(method, app.url(path))
        .basic_auth(name, Some(password));
    if let Some(b) = body {
        request = request.json(&b);
    }
    json_of(request.send().await.unwrap()).await
}

fn assert_refused(status: u16, e: &Value, field: &str, code: &str) {
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["field"], field, "{e}");
    assert_eq!(e["error"]["code"], code, "{e}");
}

async fn the_account_time_zone_is_set_read_and_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let full = app.token.clone();
    let (status, settings) = call(&app, &full, Method::GET, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        settings,
        json!({"time_zone": null, "effective_time_zone": "Europe/Vienna"}),
        "the server's default"
    );

    let (status, set) = call(
        &app,
        &full,
        Method::PUT,
        Some(json!({"time_zone": "Asia/Kolkata"})),
    )
    .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(
        set,
        json!({"time_zone": "Asia/Kolkata", "effective_time_zone": "Asia/Kolkata"})
    );
    assert_eq!(call(&app, &full, Method::GET, None).await.1, set);
    let stored = app.store.account(app.account.id).await.unwrap();
    assert_eq!(stored.time_zone, Some(Asia::Kolkata));

    for (body, code) in [
        (json!({"time_zone": "Mars/Olympus"}), "invalid_time_zone"),
        (json!({"time_zone": "Europe/Wien"}), "invalid_time_zone"),
        (json!({"time_zone": 5}), "invalid_field"),
    ] {
        let (status, e) = call(&app, &full, Method::PUT, Some(body.clone())).await;
        assert_refused(status, &e, "time_zone", code);
    }
    let (status, e) = call(&app, &full, Method::PUT, Some(json!({"zone": "UTC"}))).await;
    assert_eq!(
        (status, &e["error"]["code"]),
        (422, &json!("invalid_field"))
    );
    assert_eq!(
        app.store.account(app.account.id).await.unwrap().time_zone,
        Some(Asia::Kolkata),
        "nothing refused was saved"
    );

    // A read-only token reads it and cannot change it.
    let read_only = app.token_for(TokenScope::ReadOnly).await;
    assert_eq!(call(&app, &read_only, Method::GET, None).await.1, set);
    let (status, _) = call(
        &app,
        &read_only,
        Method::PUT,
        Some(json!({"time_zone": "UTC"})),
    )
    .await;
    assert_eq!(status, 403);

    // Another account changes its own zone only.
    let (other, theirs) = app.other_account("zweite", TokenScope::Full).await;
    let (status, _) = call(
        &app,
        &theirs,
        Method::PUT,
        Some(json!({"time_zone": "America/New_York"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.store.account(other.id).await.unwrap().time_zone,
        Some(America::New_York)
    );
    assert_eq!(
        app.store.account(app.account.id).await.unwrap().time_zone,
        Some(Asia::Kolkata),
        "the first account keeps its zone"
    );
    assert_eq!(call(&app, &full, Method::GET, None).await.1, set);

    // `null` returns to the server's default.
    let (status, cleared) = call(&app, &full, Method::PUT, Some(json!({"time_zone": null}))).await;
    assert_eq!(status, 200);
    assert_eq!(
        cleared,
        json!({"time_zone": null, "effective_time_zone": "Europe/Vienna"})
    );
    assert_eq!(
        app.store.account(app.account.id).await.unwrap().time_zone,
        None
    );
}

async fn each_user_sets_only_their_own_email(backend: Backend) {
    let app = spawn_app(backend).await;
    let anna = ("anna", "correct horse");
    app.user(anna.0, anna.1, UserRole::Owner).await;
    let (status, me) = as_user(&app, anna, Method::GET, USER, None).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me, json!({"username": "anna", "email": null}));

    let (status, me) = as_user(
        &app,
        anna,
        Method::PUT,
        USER,
        Some(json!({"email": " anna@laden.example "})),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        me,
        json!({"username": "anna", "email": "anna@laden.example"})
    );
    assert_eq!(as_user(&app, anna, Method::GET, USER, None).await.1, me);

    for bad in ["anna", "anna@", "Anna <anna@laden.example>"] {
        let (status, e) =
            as_user(&app, anna, Method::PUT, USER, Some(json!({ "email": bad }))).await;
        assert_refused(status, &e, "email", "invalid_email");
        assert!(e["error"]["message"].as_str().unwrap().contains(bad), "{e}");
    }

    // An API token belongs to the account, not to a person.
    for method in [Method::GET, Method::PUT] {
        let (status, e) = json_of(
            app.req(method.clone(), USER)
                .json(&json!({"email": "x@laden.example"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 403, "{method}: {e}");
    }

    // The owner of another account changes their own address only.
    let (other, _) = app.other_account("zweite", TokenScope::Full).await;
    bote::accounts::add_user(
        app.store.as_ref(),
        Some(other.id),
        "bert",
        "bert password".into(),
        UserRole::Owner,
        None,
    )
    .await
    .unwrap();
    let bert = ("bert", "bert password");
    let (status, _) = as_user(
        &app,
        bert,
        Method::PUT,
        USER,
        Some(json!({"email": "bert@zweite.example"})),
    )
    .await;
    assert_eq!(status, 200);
    let emails = |users: Vec<bote_store::User>| -> Vec<(String, Option<String>)> {
        users.into_iter().map(|u| (u.username, u.email)).collect()
    };
    assert_eq!(
        emails(app.store.list_users(app.account.id).await.unwrap()),
        vec![("anna".to_owned(), Some("anna@laden.example".to_owned()))]
    );
    assert_eq!(
        emails(app.store.list_users(other.id).await.unwrap()),
        vec![("bert".to_owned(), Some("bert@zweite.example".to_owned()))]
    );

    let (status, me) = as_user(&app, anna, Method::PUT, USER, Some(json!({"email": null}))).await;
    assert_eq!((status, &me["email"]), (200, &Value::Null), "{me}");
}

/// Account managers give a new account its zone (or leave it to the server's default).
async fn a_new_account_gets_its_zone_from_the_manager(backend: Backend) {
    let app = spawn_app(backend).await;
    let max = ("max", "manager pass");
    app.user(max.0, max.1, UserRole::AccountManager).await;
    let accounts = "/api/v1/admin/accounts";
    let (status, chai) = as_user(
        &app,
        max,
        Method::POST,
        accounts,
        Some(json!({"name": "chai", "kind": "business", "time_zone": "Asia/Kolkata"})),
    )
    .await;
    assert_eq!(status, 201, "{chai}");
    assert_eq!(chai["time_zone"], "Asia/Kolkata", "{chai}");
    let (status, e) = as_user(
        &app,
        max,
        Method::POST,
        accounts,
        Some(json!({"name": "mars", "kind": "business", "time_zone": "Mars/Olympus"})),
    )
    .await;
    assert_refused(status, &e, "time_zone", "invalid_time_zone");
    assert!(app.store.account_by_name("mars").await.is_err());

    let (status, list) = as_user(&app, max, Method::GET, accounts, None).await;
    assert_eq!(status, 200);
    let zones: Vec<(&str, &Value)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), &a["time_zone"]))
        .collect();
    assert_eq!(
        zones,
        vec![("acme", &Value::Null), ("chai", &json!("Asia/Kolkata"))]
    );
}

on_both_backends!(
    the_account_time_zone_is_set_read_and_refused,
    each_user_sets_only_their_own_email,
    a_new_account_gets_its_zone_from_the_manager,
);
