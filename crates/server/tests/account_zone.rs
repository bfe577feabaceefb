//! R3: a pending WhatsApp setup is dated in its account's own time zone: the expected date
//! counts working days from the day of activation there, and the setup is overdue once that
//! date has passed there — not in the server's `default_time_zone`.

mod support;

use bote_domain::{AccountKind, Package, UserRole, expected_ready};
use bote_store::Activation;
use chrono::Utc;
use chrono_tz::{Pacific, Tz};
use reqwest::Method;
use serde_json::{Value, json};
use support::{Backend, TestApp, json_of, spawn_app};

const MANAGER: (&str, &str) = ("max", "manager pass");

async fn as_manager(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Value {
    let mut request = app
        .client
        .request(method, app.url(path))
        .basic_auth(MANAGER.0, Some(MANAGER.1));
    if let Some(b) = body {
        request = request.json(&b);
    }
    let (status, v) = json_of(request.send().await.unwrap()).await;
    assert!(status < 300, "{status} {v}");
    v
}

async fn account_in(app: &TestApp, name: &str, zone: Tz) -> bote_store::Account {
    bote::accounts::create_account(
        app.store.as_ref(),
        name,
        AccountKind::Business,
        None,
        Some(zone),
    )
    .await
    .unwrap()
}

async fn pending_setups_are_dated_in_each_accounts_zone(backend: Backend) {
    let app = spawn_app(backend).await;
    app.user(MANAGER.0, MANAGER.1, UserRole::AccountManager)
        .await;
    // 25 hours apart: at every moment Kiritimati's date is one or two days after Pago Pago's.
    let east = account_in(&app, "kiritimati", Pacific::Kiritimati).await;
    let west = account_in(&app, "pago-pago", Pacific::Pago_Pago).await;

    for account in [&east, &west] {
        let done = as_manager(
            &app,
            Method::PUT,
            &format!("/api/v1/admin/accounts/{}/whatsapp", account.id.0),
            Some(json!({"package": "medium"})),
        )
        .await;
        let activated_at = done["activated_at"].as_str().unwrap().parse().unwrap();
        let zone = account.time_zone.unwrap();
        assert_eq!(
            done["expected_on"],
            expected_ready(activated_at, Package::Medium, &zone).to_string(),
            "{}: working days from the day of activation in its zone",
            account.name
        );
    }

    // Both promised for today in Pago Pago: still due there, already passed in Kiritimati.
    let today_west = Utc::now().with_timezone(&Pacific::Pago_Pago).date_naive();
    for account in [&east, &west] {
        app.store
            .activate_whatsapp(Activation {
                account: account.id,
                package: Package::Large,
                activated_by: None,
                activated_at: Utc::now(),
                expected_on: today_west,
                reset_opt_ins: false,
            })
            .await
            .unwrap();
    }
    let pending = as_manager(&app, Method::GET, "/api/v1/admin/whatsapp/pending", None).await;
    let overdue: Vec<(&str, &Value)> = pending
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["account_name"].as_str().unwrap(), &p["overdue"]))
        .collect();
    assert_eq!(
        overdue,
        vec![("kiritimati", &json!(true)), ("pago-pago", &json!(false))],
        "{pending}"
    );
}

on_both_backends!(pending_setups_are_dated_in_each_accounts_zone);
