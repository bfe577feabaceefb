//! R16, R22: the composer: the SMS live counter (characters, encoding, parts, and the
//! character that forces UCS-2) in a real browser, and scheduling: a local date and time in
//! the account's time zone (the server's `default_time_zone`, Europe/Vienna here) becomes the
//! send's `schedule_at`; and WhatsApp media (R18): uploaded, limited by kind and size,
//! served at an unguessable `/media/{token}` without a login, linked from the send. An
//! account with a zone of its own schedules and reads its sends' times in that zone.

mod support;
mod web;

use bote_domain::UserRole;
use fantoccini::Locator;
use serde_json::json;
use support::{Backend, TestApp, spawn_app, spawn_app_with};
use web::Browser;
use web::driver::Driver;

async fn logged_in(app: &TestApp) -> Browser {
    app.user("anna", "correct horse", UserRole::Owner).await;
    let mut b = Browser::new(&app.base);
    b.headers.insert("accept-language", "en".parse().unwrap());
    assert_eq!(b.log_in("anna", "correct horse").await.status, 303);
    b
}

/// R22: a send scheduled at a local time is due at that instant in UTC, summer and winter;
/// a time that does not exist there, or no time at all, is refused naming `schedule_at`.
#[tokio::test]
async fn a_send_is_scheduled_in_the_accounts_time_zone() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut b = logged_in(&app).await;
    let form = b.get("/send?channel=sms").await;
    assert!(form.body.contains("name=\"schedule_at\""));
    assert!(form.body.contains("Europe/Vienna"));
    let csrf = form.csrf();
    let fields = |at: &'static str| {
        vec![
            ("channel", "sms"),
            ("text", "Später"),
            ("numbers", "0676 1000001"),
            ("schedule_at", at),
        ]
    };
    for bad in ["tomorrow", "2099-03-29T02:30"] {
        let mut f = fields(bad);
        f.push(("csrf", &csrf));
        let refused = b.post("/send/preview", &f).await;
        assert_eq!(refused.status, 422, "{bad}");
        assert!(
            refused.body.contains("schedule_at: "),
            "names the field: {}",
            refused.body
        );
        assert_eq!(b.post("/send", &f).await.status, 422, "{bad}");
    }
    let (_, sends) = app.get_json("/api/v1/sends").await;
    assert_eq!(sends["data"], json!([]), "nothing accepted");

    for (local, utc) in [
        ("2099-06-01T10:00", "2099-06-01T08:00:00Z"),
        ("2099-01-15T10:00", "2099-01-15T09:00:00Z"),
    ] {
        let mut f = fields(local);
        f.push(("csrf", &csrf));
        let preview = b.post("/send/preview", &f).await;
        assert_eq!(preview.status, 200, "{}", preview.body);
        assert!(
            preview.body.contains("name=\"schedule_at\" value=\"2099-"),
            "carried to the send"
        );
        let sent = b.post("/send", &f).await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let id = sent.location().trim_start_matches("/sends/").to_owned();
        let (_, send) = app.get_json(&format!("/api/v1/sends/{id}")).await;
        assert_eq!(send["schedule_at"], utc, "{send}");
        assert_eq!(send["counts"]["queued"], 1, "not yet due: {send}");
        let page = b.get(&format!("/sends/{id}")).await;
        let shown = local.replace('T', " ");
        assert!(
            page.body.contains(&format!(
                "data-testid=\"scheduled\">{shown} (Europe/Vienna)"
            )),
            "{}",
            page.body
        );
    }
}

/// An account with a time zone of its own schedules in it, and the sends pages show its
/// local times, not the server's default zone's.
#[tokio::test]
async fn an_account_schedules_and_reads_times_in_its_own_zone() {
    let app = spawn_app(Backend::Sqlite).await;
    let zone = chrono_tz::America::New_York;
    app.store
        .set_account_time_zone(app.account.id, Some(zone))
        .await
        .unwrap();
    let mut b = logged_in(&app).await;
    let form = b.get("/send?channel=sms").await;
    assert!(form.body.contains("America/New_York"), "{}", form.body);
    assert!(!form.body.contains("Europe/Vienna"), "{}", form.body);
    let csrf = form.csrf();
    let fields = [
        ("csrf", csrf.as_str()),
        ("channel", "sms"),
        ("text", "Later"),
        ("numbers", "0676 1000001"),
        ("schedule_at", "2099-06-01T10:00"),
    ];
    let sent = b.post("/send", &fields).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let id = sent.location().trim_start_matches("/sends/").to_owned();
    let (_, send) = app.get_json(&format!("/api/v1/sends/{id}")).await;
    assert_eq!(send["schedule_at"], "2099-06-01T14:00:00Z", "EDT: {send}");

    let local = |at: &serde_json::Value, format: &str| {
        at.as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
            .with_timezone(&zone)
            .format(format)
            .to_string()
    };
    let page = b.get(&format!("/sends/{id}")).await;
    assert!(
        page.body
            .contains("data-testid=\"scheduled\">2099-06-01 10:00 (America/New_York)"),
        "{}",
        page.body
    );
    let (_, messages) = app.get_json(&format!("/api/v1/messages?send={id}")).await;
    let created = local(&messages["data"][0]["created_at"], "%Y-%m-%d %H:%M:%S");
    assert!(page.body.contains(&created), "{created}: {}", page.body);
    let list = b.get("/sends").await;
    let created = local(&send["created_at"], "%Y-%m-%d %H:%M");
    assert!(list.body.contains(&created), "{created}: {}", list.body);
}

/// R22: in Chromium the counter follows the text: GSM-7 parts, the two septets of `€`,
/// and UCS-2 with the character that forces it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sms_counter_counts_while_typing() {
    let app = spawn_app(Backend::Sqlite).await;
    app.user("anna", "correct horse", UserRole::Owner).await;
    let driver = Driver::start("en-US").await;
    let c = &driver.client;
    driver
        .log_in(&app.url("/login"), "anna", "correct horse")
        .await;
    c.wait().for_element(Locator::Css("h1")).await.unwrap();
    c.goto(&app.url("/send?channel=whatsapp")).await.unwrap();
    assert!(
        c.find(Locator::Id("sms-counter")).await.is_err(),
        "no SMS counter for WhatsApp"
    );
    c.goto(&app.url("/send?channel=sms")).await.unwrap();
    let text = c.find(Locator::Id("text")).await.unwrap();
    let read = |name: &'static str| async move {
        c.find(Locator::Css(&format!("#sms-counter [data-counter={name}]")))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    text.send_keys(&"a".repeat(160)).await.unwrap();
    assert_eq!(read("chars").await, "160");
    assert_eq!(read("encoding").await, "GSM-7");
    assert_eq!(read("segments").await, "1");
    text.send_keys("€").await.unwrap();
    assert_eq!(read("chars").await, "161");
    assert_eq!(read("segments").await, "2", "162 septets: two parts of 153");
    text.clear().await.unwrap();
    text.send_keys("Grüße ✓ und mehr").await.unwrap();
    assert_eq!(read("encoding").await, "UCS-2");
    assert_eq!(read("segments").await, "1");
    let trigger = c
        .find(Locator::Css("#sms-counter [data-counter=trigger]"))
        .await
        .unwrap();
    assert!(trigger.is_displayed().await.unwrap());
    assert_eq!(read("char").await, "„✓“ (U+2713, #7)");
    driver.screenshot("compose-counter").await;
}

/// A `multipart/form-data` body: the CSRF token, then a file of `kind`.
fn upload_body(csrf: &str, name: &str, kind: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----boteMediaBoundary0x2A";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: {kind}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(b: &Browser, csrf: &str, name: &str, kind: &str, content: &[u8]) -> (u16, String) {
    let (content_type, body) = upload_body(csrf, name, kind, content);
    let cookies = b
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let response = b
        .client
        .post(format!("{}/send/media", b.base))
        .headers(b.headers.clone())
        .header("cookie", cookies)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in {body}"))
        + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

/// R18: an image is uploaded, refused files name why, the send links the file, which is
/// served without a login; another account cannot use it.
#[tokio::test]
async fn whatsapp_media_is_uploaded_served_and_sent() {
    let media_dir = tempfile::tempdir().unwrap();
    let dir = media_dir.path().to_owned();
    let app = spawn_app_with(Backend::Sqlite, move |c| c.media_dir = dir).await;
    let mut b = logged_in(&app).await;
    let form = b.get("/send?channel=whatsapp").await;
    assert!(form.body.contains("action=\"/send/media\""));
    assert!(
        !b.get("/send?channel=sms")
            .await
            .body
            .contains("/send/media"),
        "SMS carry text"
    );
    let csrf = form.csrf();
    let png = b"\x89PNG\r\n\x1a\n a tiny picture";

    assert_eq!(upload(&b, "forged", "a.png", "image/png", png).await.0, 403);
    let (status, body) = upload(&b, &csrf, "a.gif", "image/gif", b"GIF89a").await;
    assert_eq!(status, 415);
    assert!(
        body.contains("media: &#39;image/gif&#39;") || body.contains("media: 'image/gif'"),
        "{body}"
    );
    let big = vec![7u8; 5 * 1024 * 1024 + 1];
    let (status, body) = upload(&b, &csrf, "big.jpg", "image/jpeg", &big).await;
    assert_eq!(status, 413);
    assert!(
        body.contains("larger than the 5242880 bytes a WhatsApp image may have"),
        "{body}"
    );
    assert_eq!(
        std::fs::read_dir(media_dir.path()).unwrap().count(),
        0,
        "nothing kept"
    );

    let (status, body) = upload(&b, &csrf, "Foto.png", "image/png", png).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("data-testid=\"media-attached\""), "{body}");
    let token = hidden(&body, "media_token");
    assert_eq!(token.len(), 64);

    // Served without a login, as the Cloud API fetches it.
    let served = reqwest::get(app.url(&format!("/media/{token}")))
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().as_ref(), png);
    let guessed = reqwest::get(app.url(&format!("/media/{}", "a".repeat(64))))
        .await
        .unwrap();
    assert_eq!(guessed.status(), 404);

    app.create_contact(json!({"first_name": "Wa", "whatsapp_number": "0664 1000001"}))
        .await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("channel", "whatsapp"),
        ("text", "Unser neues Angebot 🎉"),
        ("numbers", "0664 1000001"),
        ("media_token", token.as_str()),
    ];
    let preview = b.post("/send/preview", &fields).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert_eq!(hidden(&preview.body, "media_token"), token, "kept attached");
    assert!(preview.body.contains("data-testid=\"media-attached\""));
    let sent = b.post("/send", &fields).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let id = sent.location().trim_start_matches("/sends/").to_owned();
    let (_, send) = app.get_json(&format!("/api/v1/sends/{id}")).await;
    assert_eq!(send["content"]["media"]["kind"], "image", "{send}");
    assert_eq!(
        send["content"]["media"]["url"],
        format!("{}/media/{token}", app.base),
        "{send}"
    );
    assert_eq!(
        send["content"]["text"], "Unser neues Angebot 🎉",
        "the caption"
    );

    // Another account's user cannot send this account's file.
    let mut o = web::other_owner(&app, "other", "otto", "other secret").await;
    let o_csrf = o.get("/send?channel=whatsapp").await.csrf();
    let theirs = o
        .post(
            "/send/preview",
            &[
                ("csrf", o_csrf.as_str()),
                ("channel", "whatsapp"),
                ("text", "x"),
                ("numbers", "0664 1000002"),
                ("media_token", token.as_str()),
            ],
        )
        .await;
    assert_eq!(theirs.status, 422);
    assert!(theirs.body.contains("media: "), "{}", theirs.body);
}
