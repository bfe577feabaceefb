//! R16, R19, R22: the send page over real HTTP: channel first, a preview that keeps nothing
//! and shows counts, skipped recipients, encoding, segments and the R19 warning; then the
//! send, and its page with counts by status.

mod support;
mod web;

use bote_domain::UserRole;
use serde_json::json;
use support::{Backend, TestApp, eventually, spawn_app};
use web::Browser;

async fn logged_in(app: &TestApp) -> Browser {
    app.user("anna", "correct horse", UserRole::Owner).await;
    let mut b = Browser::new(&app.base);
    b.headers.insert("accept-language", "en".parse().unwrap());
    assert_eq!(b.log_in("anna", "correct horse").await.status, 303);
    b
}

/// R16, R19: channel first; the preview counts and explains; the send goes out.
#[tokio::test]
async fn a_send_is_previewed_then_sent_and_shown() {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_group("news").await;
    app.create_contact(json!({"first_name": "Both", "sms_number": "0676 1000005",
        "whatsapp_number": "0664 1000005", "groups": ["NEWS"]}))
        .await;
    let mut b = logged_in(&app).await;

    let choose = b.get("/send").await;
    assert_eq!(choose.status, 200);
    assert!(
        choose.body.contains("href=\"/send?channel=sms\""),
        "R16: the channel first"
    );
    assert!(
        !choose.body.contains("<textarea"),
        "no text before the channel"
    );
    let form = b.get("/send?channel=sms").await;
    assert!(form.body.contains("name=\"channel\" value=\"sms\""));
    let csrf = form.csrf();

    let numbers = "0676 1000001\n12x\n0676 1000001";
    let fields = |text: &'static str| {
        vec![
            ("channel", "sms"),
            ("text", text),
            ("numbers", numbers),
            ("groups", "news"),
        ]
    };
    let forged = b.post("/send/preview", &fields("Hallo")).await;
    assert_eq!(forged.status, 403, "no CSRF token");

    let mut with_csrf = fields("Hallo Welt");
    with_csrf.push(("csrf", &csrf));
    let preview = b.post("/send/preview", &with_csrf).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    let body = &preview.body;
    assert!(
        body.contains("data-testid=\"accepted\">2<"),
        "one number and the contact: {body}"
    );
    assert!(body.contains("<li>12x: invalid_number</li>"), "{body}");
    assert!(
        body.contains("Skipped: duplicate</th><td class=\"num\">1"),
        "{body}"
    );
    assert!(body.contains("data-testid=\"encoding\">GSM-7<"));
    assert!(body.contains("data-testid=\"segments\">1<"));
    assert!(
        body.contains("data-testid=\"r19-warning\">1 recipients"),
        "R19: {body}"
    );
    let (_, sends) = app.get_json("/api/v1/sends").await;
    assert_eq!(sends["data"], json!([]), "a preview keeps nothing");

    let mut unicode = fields("Grüße ✓ €");
    unicode.push(("csrf", &csrf));
    let preview = b.post("/send/preview", &unicode).await;
    assert!(preview.body.contains("data-testid=\"encoding\">UCS-2<"));

    let mut empty = fields("");
    empty.push(("csrf", &csrf));
    let refused = b.post("/send/preview", &empty).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("text: "),
        "names the field: {}",
        refused.body
    );

    let sent = b.post("/send", &with_csrf).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let detail_path = sent.location().to_owned();
    assert!(detail_path.starts_with("/sends/"));
    let detail = eventually(20, "the send delivered", || {
        let path = detail_path.clone();
        let b = &b;
        async move {
            let mut b2 = Browser::new(&b.base);
            b2.cookies = b.cookies.clone();
            b2.headers = b.headers.clone();
            let page = b2.get(&path).await;
            page.body
                .contains("data-field=\"counts.delivered\">2</td>")
                .then_some(page)
        }
    })
    .await;
    assert!(
        detail.body.contains("data-field=\"counts.skipped\">2</td>"),
        "{}",
        detail.body
    );
    assert!(detail.body.contains("Hallo Welt"));
    assert_eq!(b.get("/sends/999999").await.status, 404);
}
