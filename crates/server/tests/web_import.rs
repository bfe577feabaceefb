//! R15, R22: the contact import page over real HTTP and in a real browser: a CSV uploaded as
//! a form runs in the background, its progress is polled, and the report lists every
//! rejected row with its row number, field and reason; what was imported is in the store.
//! Another account sees nothing of the import; the export link downloads the contacts.

mod support;
mod web;

use std::time::Duration;

use bote_domain::UserRole;
use fantoccini::Locator;
use serde_json::{Value, json};
use support::{Backend, TestApp, eventually, spawn_app};
use web::Browser;
use web::driver::{Driver, screenshot_dir};

const CSV: &str = "first_name;sms_number;groups\n\
    Anna;0676 1000001;NEWS\n\
    Bert;12x;NEWS\n\
    Carl;;\n\
    Dora;0676 1000004;bad code!\n\
    Emil;0676 1000005;\n";

async fn logged_in(app: &TestApp) -> Browser {
    app.user("anna", "correct horse", UserRole::Owner).await;
    let mut b = Browser::new(&app.base);
    b.headers.insert("accept-language", "en".parse().unwrap());
    assert_eq!(b.log_in("anna", "correct horse").await.status, 303);
    b
}

/// A `multipart/form-data` body as a browser sends it: the CSRF token, then the file.
fn multipart(csrf: Option<&str>, file: Option<&str>) -> (String, String) {
    let boundary = "----boteTestBoundary7MA4YWxk";
    let mut body = String::new();
    if let Some(csrf) = csrf {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
        ));
    }
    let (name, content) = match file {
        Some(c) => ("contacts.csv", c),
        None => ("", ""),
    };
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: text/csv\r\n\r\n{content}\r\n--{boundary}--\r\n"
    ));
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(b: &Browser, csrf: Option<&str>, file: Option<&str>) -> reqwest::Response {
    let (kind, body) = multipart(csrf, file);
    let cookies = b
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    b.client
        .post(format!("{}/contacts/import", b.base))
        .headers(b.headers.clone())
        .header("cookie", cookies)
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn progress(b: &mut Browser, job: &str) -> (u16, Value) {
    let page = b.get(&format!("{job}/progress.json")).await;
    let body = serde_json::from_str(&page.body).unwrap_or(Value::Null);
    (page.status.as_u16(), body)
}

/// R15, R22: the upload needs the session's CSRF token; the import runs, its progress and
/// report are shown, the good rows are in the store, the bad ones listed with row and field.
#[tokio::test]
async fn an_uploaded_csv_is_imported_with_progress_and_a_row_report() {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_group("news").await;
    let mut b = logged_in(&app).await;
    let list = b.get("/contacts").await;
    assert!(
        list.body.contains("href=\"/contacts/import\""),
        "import link"
    );
    assert!(
        list.body.contains("href=\"/contacts/export\""),
        "export link"
    );
    let form = b.get("/contacts/import").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    let csrf = form.csrf();

    let forged = upload(&b, None, Some(CSV)).await;
    assert_eq!(forged.status(), 403, "no CSRF token, no import");
    let wrong = upload(&b, Some("0000"), Some(CSV)).await;
    assert_eq!(wrong.status(), 403);
    let empty = upload(&b, Some(&csrf), None).await;
    assert_eq!(empty.status(), 422);
    assert!(empty.text().await.unwrap().contains("file: Please choose"));
    let (_, contacts) = app.get_json("/api/v1/contacts").await;
    assert_eq!(
        contacts["data"],
        json!([]),
        "refused uploads import nothing"
    );

    let started = upload(&b, Some(&csrf), Some(CSV)).await;
    assert_eq!(started.status(), 303);
    let job = started.headers()["location"].to_str().unwrap().to_owned();
    assert!(job.starts_with("/contacts/import/"), "{job}");
    let (status, done) = eventually(10, "the import to finish", || {
        let mut b2 = Browser::new(&b.base);
        b2.cookies = b.cookies.clone();
        let job = job.clone();
        async move {
            let (status, body) = progress(&mut b2, &job).await;
            (body["done"] == true).then_some((status, body))
        }
    })
    .await;
    assert_eq!(status, 200);
    assert_eq!(done["rows"], 5, "{done}");
    assert_eq!(done["created"], 2, "{done}");
    assert_eq!(done["rejected"], 3, "{done}");
    assert_eq!(done["percent"], 100);

    let report = b.get(&job).await;
    assert_eq!(report.status, 200);
    let body = &report.body;
    assert!(body.contains("data-testid=\"import-done\""), "{body}");
    assert!(
        !body.contains("data-poll="),
        "a finished import polls no more"
    );
    assert!(
        body.contains(
            "<tr><td class=\"num\">3</td><td>sms_number</td><td>sms_number &#39;12x&#39; is not a valid phone number</td></tr>"
        ) || body.contains("<tr><td class=\"num\">3</td><td>sms_number</td>"),
        "row 3 (line numbers count the header): {body}"
    );
    assert!(
        body.contains("<td class=\"num\">4</td><td>sms_number, whatsapp_number</td>"),
        "{body}"
    );
    assert!(
        body.contains("<td class=\"num\">5</td><td>groups</td>"),
        "{body}"
    );

    // The store holds what was imported, with the group.
    let (_, contacts) = app.get_json("/api/v1/contacts").await;
    let names: Vec<&str> = contacts["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["first_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Anna", "Emil"]);
    assert_eq!(contacts["data"][0]["groups"], json!(["NEWS"]));

    // The export link downloads them.
    let export = b.get("/contacts/export").await;
    assert_eq!(export.status, 200);
    assert!(
        export.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(export.body.contains("+436761000001"), "{}", export.body);
    assert!(export.body.contains("+436761000005"));

    // Another account's user finds neither the job nor its progress.
    let mut o = web::other_owner(&app, "other", "otto", "other secret").await;
    assert_eq!(o.get(&job).await.status, 404);
    assert_eq!(progress(&mut o, &job).await.0, 404);
    let theirs = o.get("/contacts/export").await;
    assert!(!theirs.body.contains("+436761000001"), "{}", theirs.body);
}

/// R22: in Chromium, a file chosen on the import page is imported and the report shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_page_works_in_a_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_group("news").await;
    app.user("anna", "correct horse", UserRole::Owner).await;
    let mut csv = String::from("first_name,sms_number,groups\n");
    for i in 0..2_000 {
        csv.push_str(&format!("P{i},+4367620{i:05},NEWS\n"));
    }
    csv.push_str("Bad,123,NEWS\n");
    let file = screenshot_dir()
        .canonicalize()
        .unwrap()
        .join("import-upload.csv");
    std::fs::write(&file, &csv).unwrap();

    let driver = Driver::start("de-DE").await;
    let c = &driver.client;
    driver
        .log_in(&app.url("/login"), "anna", "correct horse")
        .await;
    c.wait()
        .for_element(Locator::Css("[data-testid=recent-sends], .empty, h1"))
        .await
        .unwrap();
    c.goto(&app.url("/contacts")).await.unwrap();
    c.find(Locator::Css("[data-testid=import-contacts]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("file")).await.unwrap();
    assert_eq!(
        c.find(Locator::Css("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "Kontakte importieren"
    );
    driver.screenshot("import-form").await;
    c.find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    c.find(Locator::Id("import"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let done = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("[data-testid=import-done]"))
        .await
        .unwrap();
    assert_eq!(done.text().await.unwrap(), "Import abgeschlossen");
    let created = c
        .find(Locator::Css("[data-testid=created]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(created, "2000");
    let errors = c
        .find(Locator::Css("[data-testid=import-errors]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(errors.contains("2002"), "the bad row's line: {errors}");
    assert!(errors.contains("sms_number"), "{errors}");
    driver.screenshot("import-report").await;

    let (_, groups) = app.get_json("/api/v1/groups").await;
    assert_eq!(groups["data"][0]["member_count"], 2000, "{groups}");
}
