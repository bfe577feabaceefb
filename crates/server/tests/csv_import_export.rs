//! CSV import and export through the API: upsert by number, rejected rows with line and
//! reason, broken files refused whole, export that imports back unchanged (R14: no opt-ins).

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use support::{Backend, TestApp, json_of, spawn_app};

async fn import(app: &TestApp, csv: impl Into<Vec<u8>>) -> (u16, Value) {
    let resp = app
        .req(Method::POST, "/api/v1/contacts/import")
        .header("content-type", "text/csv")
        .body(csv.into())
        .send()
        .await
        .unwrap();
    json_of(resp).await
}

async fn contact_count(app: &TestApp) -> usize {
    let (_, page) = app.get_json("/api/v1/contacts?limit=1000").await;
    page["data"].as_array().unwrap().len()
}

const FILE: &str = "first_name,last_name,sms_number,whatsapp_number,groups,kundennr\n\
Anna,Huber,0676 1000001,,NEWS VIP,K1\n\
Bernd,Maier,+43 676 1000002,0664 2000002,news,K2\n\
Carla,,not-a-number,,,K3\n\
Dora,Bauer,,,NEWS,K4\n\
Emil,\"Gruber, jun.\",0043676/1000005,,,K5\n";

async fn import_reports_and_is_idempotent(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, r) = import(&app, FILE).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (
            r["rows"].as_u64(),
            r["created"].as_u64(),
            r["rejected_count"].as_u64()
        ),
        (Some(5), Some(3), Some(2))
    );
    assert_eq!(
        r["rejected"],
        json!([
            {"line": 4, "field": "sms_number", "reason": "sms_number 'not-a-number' is not a valid phone number"},
            {"line": 5, "field": "sms_number, whatsapp_number", "reason": "no sms_number or whatsapp_number"}
        ])
    );
    let (_, groups) = app.get_json("/api/v1/groups").await;
    let codes: Vec<&str> = groups["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["NEWS", "VIP"],
        "groups created when missing, by code"
    );
    let (_, emil) = app.get_json("/api/v1/contacts?search=0676%201000005").await;
    assert_eq!(emil["data"][0]["last_name"], "Gruber, jun.");
    assert_eq!(emil["data"][0]["fields"]["kundennr"], "K5");

    // The same file again changes nothing.
    let (_, again) = import(&app, FILE).await;
    assert_eq!(
        (
            again["created"].as_u64(),
            again["updated"].as_u64(),
            again["unchanged"].as_u64()
        ),
        (Some(0), Some(0), Some(3)),
        "{again}"
    );

    // A changed row updates the matched contact and keeps what the row leaves empty.
    let (_, upd) = import(&app, "sms_number;first_name;groups\n06761000001;Anni;VIP\n").await;
    assert_eq!(
        (upd["updated"].as_u64(), upd["created"].as_u64()),
        (Some(1), Some(0)),
        "{upd}"
    );
    let (_, anna) = app.get_json("/api/v1/contacts?search=0676%201000001").await;
    assert_eq!(anna["data"][0]["first_name"], "Anni");
    assert_eq!(anna["data"][0]["last_name"], "Huber");
    assert_eq!(contact_count(&app).await, 3);
}

async fn broken_files_are_refused_whole(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases: Vec<(&str, Vec<u8>, u64, &str)> = vec![
        (
            "missing header",
            b"0676 1000001,Anna\n0676 1000002,Bernd\n".to_vec(),
            1,
            "missing header",
        ),
        (
            "wrong field count",
            b"sms_number,first_name\n0676 1000001,Anna\n0676 1000002,\"Bernd\",x\n".to_vec(),
            3,
            "fields",
        ),
        (
            "unclosed quote",
            b"sms_number,first_name\n0676 1000001,\"Anna\n0676 1000002,Bernd\n".to_vec(),
            2,
            "",
        ),
        (
            "latin-1",
            b"sms_number,first_name\n0676 1000001,Anna\n0676 1000002,J\xfcrgen\n".to_vec(),
            3,
            "UTF-8",
        ),
        ("empty", Vec::new(), 1, ""),
    ];
    for (what, body, line, needle) in cases {
        let (status, e) = import(&app, body).await;
        assert_eq!(status, 422, "{what}: {e}");
        assert_eq!(e["error"]["code"], "invalid_csv", "{what}");
        assert_eq!(e["error"]["details"]["line"], line, "{what}: {e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(needle),
            "{what}: {e}"
        );
        assert_eq!(contact_count(&app).await, 0, "{what}: nothing half-written");
    }
}

async fn export_round_trips(backend: Backend) {
    let app = spawn_app(backend).await;
    import(&app, FILE).await;
    let resp = app
        .req(Method::GET, "/api/v1/contacts/export")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = resp.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("first_name,last_name,sms_number,whatsapp_number,groups,fields")
    );
    assert_eq!(
        lines.next(),
        Some(r#"Anna,Huber,+436761000001,,NEWS VIP,"{""kundennr"":""K1""}""#)
    );
    assert_eq!(csv.lines().count(), 4);

    let news = app
        .req(Method::GET, "/api/v1/contacts/export?group=news")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(news.lines().count(), 3, "{news}");

    // Importing the export into a fresh account recreates the same contacts.
    let other = spawn_app(app.backend).await;
    let (_, r) = import(&other, csv.clone()).await;
    assert_eq!(
        (r["created"].as_u64(), r["rejected_count"].as_u64()),
        (Some(3), Some(0)),
        "{r}"
    );
    let again = other
        .req(Method::GET, "/api/v1/contacts/export")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(again, csv);
}

on_both_backends!(
    import_reports_and_is_idempotent,
    broken_files_are_refused_whole,
    export_round_trips
);
