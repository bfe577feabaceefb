//! R15, R22: the contacts and groups pages over real HTTP: list, search, group filter,
//! keyset pages, create, edit and delete through forms that carry the CSRF token; groups
//! created and deleted on their page.

mod support;
mod web;

use bote_domain::UserRole;
use serde_json::json;
use support::{Backend, TestApp, spawn_app};
use web::Browser;

async fn logged_in(app: &TestApp) -> Browser {
    app.user("anna", "correct horse", UserRole::Owner).await;
    let mut b = Browser::new(&app.base);
    b.headers.insert("accept-language", "en".parse().unwrap());
    assert_eq!(b.log_in("anna", "correct horse").await.status, 303);
    b
}

/// R15, R22: a contact is created, refused with the field named, edited and deleted
/// through the forms; a form without the session's CSRF token changes nothing.
#[tokio::test]
async fn contacts_are_created_edited_and_deleted_through_forms() {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_group("news").await;
    let mut b = logged_in(&app).await;
    let form = b.get("/contacts/new").await;
    assert_eq!(form.status, 200);
    let csrf = form.csrf();

    let forged = b
        .post(
            "/contacts/new",
            &[("first_name", "Eve"), ("sms_number", "0676 1000009")],
        )
        .await;
    assert_eq!(forged.status, 403, "no CSRF token, no contact");

    let bad = b
        .post(
            "/contacts/new",
            &[
                ("csrf", &csrf),
                ("first_name", "Anna"),
                ("sms_number", "12x"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("sms_number"),
        "names the field: {}",
        bad.body
    );
    assert!(bad.body.contains("value=\"Anna\""), "keeps the input");
    let none = b
        .post("/contacts/new", &[("csrf", &csrf), ("first_name", "Anna")])
        .await;
    assert_eq!(none.status, 422, "R15: a contact needs a number");

    let made = b
        .post(
            "/contacts/new",
            &[
                ("csrf", &csrf),
                ("first_name", "Anna"),
                ("last_name", "Huber"),
                ("sms_number", "0676 1000001"),
                ("groups", "news"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let edit_path = made.location().to_owned();
    let (_, listed) = app.get_json("/api/v1/contacts").await;
    let anna = &listed["data"][0];
    assert_eq!(anna["sms_number"], "+436761000001");
    assert_eq!(anna["groups"], json!(["NEWS"]));
    assert_eq!(edit_path, format!("/contacts/{}", anna["id"]));

    let edit = b.get(&edit_path).await;
    assert!(edit.body.contains("value=\"Huber\""));
    let saved = b
        .post(
            &edit_path,
            &[
                ("csrf", &csrf),
                ("first_name", "Anna"),
                ("last_name", "Berger"),
                ("sms_number", "0676 1000001"),
                ("whatsapp_number", "0664 1000001"),
                ("groups", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    let (_, anna) = app.get_json(&format!("/api/v1{edit_path}")).await;
    assert_eq!(anna["last_name"], "Berger");
    assert_eq!(anna["whatsapp_number"], "+436641000001");
    assert_eq!(anna["groups"], json!([]));

    let forged = b
        .post(&format!("{edit_path}/delete"), &[("csrf", "x")])
        .await;
    assert_eq!(forged.status, 403);
    let gone = b
        .post(&format!("{edit_path}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(gone.status, 303);
    assert_eq!(b.get(&edit_path).await.status, 404);
}

/// R22: the list searches names and numbers, filters by group and pages by id.
#[tokio::test]
async fn the_contact_list_searches_filters_and_pages() {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_group("vip").await;
    for i in 0..60 {
        let groups = if i % 20 == 0 {
            json!(["VIP"])
        } else {
            json!([])
        };
        app.create_contact(json!({"first_name": format!("Person{i:02}"),
            "sms_number": format!("0676 20000{i:02}"), "groups": groups}))
            .await;
    }
    let mut b = logged_in(&app).await;
    let first = b.get("/contacts").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body.matches("/delete\"").count(), 50, "a page of 50");
    let next = first
        .body
        .split("data-testid=\"next-page\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a next-page link")
        .replace("&#38;", "&");
    let second = b.get(&next).await;
    assert_eq!(second.body.matches("/delete\"").count(), 10);
    assert!(second.body.contains("Person59") && !second.body.contains("Person00"));
    assert!(!second.body.contains("data-testid=\"next-page\""));

    let found = b.get("/contacts?q=person07").await;
    assert_eq!(found.body.matches("/delete\"").count(), 1);
    assert!(found.body.contains("Person07"));
    let by_number = b.get("/contacts?q=0676%202000042").await;
    assert!(by_number.body.contains("Person42"), "search by number");

    let vip = b.get("/contacts?group=vip").await;
    assert_eq!(vip.body.matches("/delete\"").count(), 3);
    let unknown = b.get("/contacts?group=nope").await;
    assert_eq!(unknown.status, 200);
    assert!(
        unknown.body.contains("No contacts found."),
        "{}",
        unknown.body
    );

    let groups = b.get("/groups").await;
    assert_eq!(groups.status, 200);
    assert!(groups.body.contains("<code>VIP</code>"));
    assert!(
        groups
            .body
            .contains("<a href=\"/contacts?group=VIP\">3</a>"),
        "{}",
        groups.body
    );
}

/// R10, R22: a group is created on the groups page (its name defaults to the code), a
/// refused one names the field and keeps the input, a taken code is refused, deleting a
/// group keeps its contacts; forms need the CSRF token; another account cannot delete it.
#[tokio::test]
async fn groups_are_created_and_deleted_on_their_page() {
    let app = spawn_app(Backend::Postgres).await;
    let mut b = logged_in(&app).await;
    let page = b.get("/groups").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("No groups yet."), "{}", page.body);
    let csrf = page.csrf();

    let forged = b.post("/groups", &[("code", "news")]).await;
    assert_eq!(forged.status, 403, "no CSRF token, no group");
    let bad = b
        .post(
            "/groups",
            &[("csrf", &csrf), ("code", "bad code!"), ("name", "Aktionen")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("code: "), "names the field: {}", bad.body);
    assert!(bad.body.contains("value=\"Aktionen\""), "keeps the input");

    let made = b
        .post("/groups", &[("csrf", &csrf), ("code", "news")])
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let (_, groups) = app.get_json("/api/v1/groups").await;
    assert_eq!(groups["data"][0]["code"], "NEWS");
    assert_eq!(
        groups["data"][0]["name"], "NEWS",
        "the name defaults to the code"
    );
    let taken = b
        .post("/groups", &[("csrf", &csrf), ("code", "News")])
        .await;
    assert_eq!(taken.status, 422, "{}", taken.body);
    assert!(taken.body.contains("role=\"alert\""), "{}", taken.body);

    app.create_contact(
        json!({"first_name": "Bert", "sms_number": "0676 1000002", "groups": ["NEWS"]}),
    )
    .await;
    let id = groups["data"][0]["id"].as_i64().unwrap();
    let delete = format!("/groups/{id}/delete");
    let mut o = web::other_owner(&app, "other", "otto", "other secret").await;
    let o_csrf = o.get("/groups").await.csrf();
    assert_eq!(o.post(&delete, &[("csrf", &o_csrf)]).await.status, 404);
    assert_eq!(b.post(&delete, &[]).await.status, 403);
    let listed = b.get("/groups").await;
    assert!(
        listed.body.contains(&format!("action=\"{delete}\"")),
        "{}",
        listed.body
    );

    assert_eq!(b.post(&delete, &[("csrf", &csrf)]).await.status, 303);
    let (_, groups) = app.get_json("/api/v1/groups").await;
    assert_eq!(groups["data"], json!([]));
    let (_, contacts) = app.get_json("/api/v1/contacts").await;
    assert_eq!(
        contacts["data"][0]["first_name"], "Bert",
        "the contact stays"
    );
    assert_eq!(contacts["data"][0]["groups"], json!([]));
}
