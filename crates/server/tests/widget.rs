//! The opt-in widget over real HTTP (R8): a visitor's number gets an SMS with the business's
//! WhatsApp number and a wa.me link through the outbox and the sandbox SMS channel; the
//! ledger keeps the request with the consent text shown, and the opt-in follows from the
//! person's first WhatsApp message (R7). Abuse protection: the honeypot, limits per address
//! and per number, and the same answer for every number. The settings page changes the look.

mod support;
mod web;

use bote::web::{CSP, WIDGET_CSP};
use bote_domain::{ChannelKind, Package, PhoneNumber, UserRole};
use bote_store::{ConsentEvent, NewBusinessNumber, SourceKind};
use serde_json::json;
use support::{Backend, HARNESS_WHATSAPP_NUMBER, TestApp, eventually, spawn_app};
use web::Browser;

async fn widget_path(app: &TestApp) -> String {
    let widget = app.store.widget(app.account.id).await.unwrap();
    format!("/w/{}", widget.public_id)
}

/// The SMS texts the sandbox SMS channel delivered to `number`.
fn sms_to(app: &TestApp, number: &str) -> Vec<String> {
    app.sandbox
        .sms
        .inbox()
        .messages(number)
        .into_iter()
        .map(|m| m.text)
        .collect()
}

async fn ledger(app: &TestApp, number: &str) -> Vec<bote_store::LedgerEntry> {
    app.store
        .consent_ledger(app.account.id, &PhoneNumber::from_e164_unchecked(number))
        .await
        .unwrap()
}

async fn request_sms(b: &mut Browser, path: &str, number: &str, honeypot: &str) -> web::Page {
    b.post(path, &[("number", number), ("website", honeypot)])
        .await
}

/// R8, R7: the SMS names the WhatsApp number and links to it; the request and its consent
/// text are in the ledger; the person's first WhatsApp message is the opt-in.
async fn visitor_gets_the_whatsapp_number(backend: Backend) {
    let app = spawn_app(backend).await;
    let path = widget_path(&app).await;
    let mut b = Browser::new(&app.base);

    let page = b.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.headers["content-security-policy"], WIDGET_CSP);
    assert!(WIDGET_CSP.contains("frame-ancestors *"));
    assert!(
        page.headers.get("x-frame-options").is_none(),
        "the widget may be framed"
    );
    assert!(page.body.contains("acme auf WhatsApp"), "{}", page.body);
    assert!(page.body.contains("name=\"website\""), "the honeypot field");
    assert!(!page.body.contains("<script"), "the widget needs no script");

    let done = request_sms(&mut b, &path, "0664 1234567", "").await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("data-testid=\"widget-sent\""));

    let number = "+436641234567";
    let texts = eventually(10, "the widget SMS", || async {
        let t = sms_to(&app, number);
        (!t.is_empty()).then_some(t)
    })
    .await;
    assert_eq!(texts.len(), 1);
    assert!(texts[0].contains(HARNESS_WHATSAPP_NUMBER), "{}", texts[0]);
    assert!(
        texts[0].ends_with("https://wa.me/43800000001"),
        "medium: any first message opts in, no keyword: {}",
        texts[0]
    );

    // The SMS went through the outbox as a send of its own (counted like any other).
    let sends = app
        .store
        .list_sends(app.account.id, None, 10)
        .await
        .unwrap();
    assert_eq!(sends.items.len(), 1);
    assert_eq!(sends.items[0].source, "widget");
    assert_eq!(sends.items[0].channel, ChannelKind::Sms);

    let entries = ledger(&app, number).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].event, ConsentEvent::WidgetRequest);
    assert_eq!(entries[0].source, SourceKind::Widget);
    assert_eq!(
        entries[0].reference.as_deref(),
        Some(format!("send {}", sends.items[0].id.0).as_str())
    );
    let shown = entries[0].text.as_deref().unwrap();
    assert!(
        page.body.contains(shown),
        "the ledger keeps the consent text the page showed: {shown}"
    );
    assert_eq!(
        entries[0].business_number.as_deref(),
        Some(HARNESS_WHATSAPP_NUMBER)
    );
    assert!(
        app.store
            .active_opt_in(app.account.id, &PhoneNumber::from_e164_unchecked(number))
            .await
            .unwrap()
            .is_none(),
        "the widget gives no opt-in by itself (R7)"
    );

    // The person writes to the WhatsApp number: that message is the opt-in (R7, R8).
    let (status, r) = app
        .post_json(
            "/api/v1/sandbox/inbound",
            json!({"channel": "whatsapp", "from": number, "to": HARNESS_WHATSAPP_NUMBER, "text": "Hallo"}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    let events: Vec<_> = ledger(&app, number)
        .await
        .iter()
        .map(|e| (e.event, e.source))
        .collect();
    assert_eq!(
        events,
        [
            (ConsentEvent::WidgetRequest, SourceKind::Widget),
            (ConsentEvent::OptIn, SourceKind::Inbound),
        ]
    );
}

#[tokio::test]
async fn visitor_gets_the_whatsapp_number_sqlite() {
    visitor_gets_the_whatsapp_number(Backend::Sqlite).await;
}

#[tokio::test]
async fn visitor_gets_the_whatsapp_number_postgres() {
    visitor_gets_the_whatsapp_number(Backend::Postgres).await;
}

/// R3, R8: for the small package the link is prefilled with the opt-in keyword.
#[tokio::test]
async fn small_package_links_carry_the_opt_in_keyword() {
    let app = spawn_app(Backend::Sqlite).await;
    let account = bote::accounts::create_account(
        app.store.as_ref(),
        "klein",
        bote_domain::AccountKind::Business,
        None,
        None,
    )
    .await
    .unwrap();
    bote::addon::activate(
        app.store.as_ref(),
        chrono_tz::Europe::Vienna,
        account.id,
        Package::Small,
        None,
        false,
    )
    .await
    .unwrap();
    app.store
        .add_business_number(
            account.id,
            NewBusinessNumber::plain(ChannelKind::Whatsapp, "+43800200200"),
        )
        .await
        .unwrap();
    let widget = app.store.widget(account.id).await.unwrap();
    let mut b = Browser::new(&app.base);
    let done = request_sms(
        &mut b,
        &format!("/w/{}", widget.public_id),
        "+4367612345",
        "",
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let text = eventually(10, "the widget SMS", || async {
        sms_to(&app, "+4367612345").pop()
    })
    .await;
    assert!(
        text.ends_with("https://wa.me/43800200200?text=START"),
        "{text}"
    );
    assert!(text.contains("START"), "{text}");
}

/// R8: a number already opted in and a number never seen get the same answer; the
/// honeypot and a number over its limit too, but nothing is sent for them.
#[tokio::test]
async fn every_number_gets_the_same_answer() {
    let app = spawn_app(Backend::Sqlite).await;
    let path = widget_path(&app).await;
    let known = "+436601111111";
    let (status, r) = app
        .post_json(
            "/api/v1/sandbox/inbound",
            json!({"channel": "whatsapp", "from": known, "to": HARNESS_WHATSAPP_NUMBER, "text": "Hallo"}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    let mut b = Browser::new(&app.base);

    let for_known = request_sms(&mut b, &path, known, "").await;
    let for_unknown = request_sms(&mut b, &path, "+436602222222", "").await;
    let for_bot = request_sms(&mut b, &path, "+436603333333", "https://spam.example").await;
    assert_eq!(for_known.status, 200);
    for other in [&for_unknown, &for_bot] {
        assert_eq!(other.status, for_known.status);
        assert_eq!(other.body, for_known.body, "no way to tell numbers apart");
    }

    // Per number: three SMS an hour, then the same answer and nothing more.
    let limited = "+436604444444";
    for _ in 0..4 {
        let page = request_sms(&mut b, &path, limited, "").await;
        assert_eq!(page.body, for_known.body);
    }
    eventually(10, "three SMS to the limited number", || async {
        (sms_to(&app, limited).len() == 3).then_some(())
    })
    .await;
    eventually(10, "the SMS to the unknown number", || async {
        (sms_to(&app, "+436602222222").len() == 1).then_some(())
    })
    .await;
    assert_eq!(ledger(&app, limited).await.len(), 3);
    assert!(
        sms_to(&app, "+436603333333").is_empty(),
        "the honeypot sends nothing"
    );
    assert!(ledger(&app, "+436603333333").await.is_empty());
    let sends = app
        .store
        .list_sends(app.account.id, None, 20)
        .await
        .unwrap();
    // The known number's first message got its opt-in confirmation reply: not a widget send.
    let widget_sends = sends.items.iter().filter(|s| s.source == "widget").count();
    assert_eq!(
        widget_sends, 5,
        "known, unknown and three to the limited number"
    );
}

/// R8: one address may ask ten times an hour; a number that is none is named as such.
#[tokio::test]
async fn addresses_are_limited_and_bad_numbers_named() {
    let app = spawn_app(Backend::Sqlite).await;
    let path = widget_path(&app).await;
    let mut b = Browser::new(&app.base);
    for _ in 0..bote::widget::limits::PER_IP {
        let page = request_sms(&mut b, &path, "not a number", "").await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(
            page.body
                .contains("Bitte geben Sie eine gültige Handynummer ein.")
        );
        assert!(
            page.body.contains("value=\"not a number\""),
            "the input is kept"
        );
    }
    let refused = request_sms(&mut b, &path, "+436641234567", "").await;
    assert_eq!(refused.status, 429);
    assert!(
        refused.body.contains("Zu viele Anfragen"),
        "{}",
        refused.body
    );
    assert!(sms_to(&app, "+436641234567").is_empty());
    assert_eq!(
        b.get("/w/00000000000000000000000000000000").await.status,
        404
    );
}

async fn save_look(b: &mut Browser, csrf: &str, colour: &str) -> web::Page {
    b.post(
        "/settings/widget",
        &[
            ("csrf", csrf),
            ("language", "en"),
            ("title", "Join Acme on WhatsApp"),
            ("intro", ""),
            ("consent_text", "Yes, Acme may write to me on WhatsApp."),
            ("button", "Text me"),
            ("primary_color", colour),
            ("background_color", "#fffbeb"),
            ("text_color", "#111827"),
            ("logo_url", "https://acme.example/logo.png"),
        ],
    )
    .await
}

/// R8: the settings page is behind login and CSRF, names bad values, and what it saves is
/// what the public page, its stylesheet and the embedding script show.
#[tokio::test]
async fn settings_change_the_widget_look() {
    let app = spawn_app(Backend::Sqlite).await;
    let path = widget_path(&app).await;
    let mut b = Browser::new(&app.base);
    assert_eq!(b.get("/settings/widget").await.location(), "/login");
    app.user("anna", "correct horse", UserRole::Owner).await;
    b.log_in("anna", "correct horse").await;

    let page = b.get("/settings/widget").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(&format!("{}{path}", app.base)),
        "the link"
    );
    assert!(
        page.body.contains(&format!("{}{path}/embed.js", app.base)),
        "the script snippet"
    );
    assert!(page.body.contains("&lt;iframe"), "the iframe snippet");
    assert!(page.body.contains("id=\"widget-preview\""));
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("img-src 'self' data: https:"), "{csp}");
    assert_ne!(csp, CSP);
    let csrf = page.csrf();

    let forged = save_look(&mut b, "0000", "#aa0033").await;
    assert_eq!(forged.status, 403);
    let bad = save_look(&mut b, &csrf, "red; x").await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("primary_color must be a colour"),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("value=\"Join Acme on WhatsApp\""),
        "the input is kept"
    );
    let saved = save_look(&mut b, &csrf, "#AA0033").await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let shown = b.get(saved.location()).await;
    assert!(shown.body.contains("data-testid=\"saved\""));
    assert!(shown.body.contains("value=\"#aa0033\""));

    let public = b.get(&path).await;
    assert!(public.body.contains("<html lang=\"en\">"));
    assert!(public.body.contains("Join Acme on WhatsApp"));
    assert!(
        public
            .body
            .contains("Yes, Acme may write to me on WhatsApp.")
    );
    assert!(public.body.contains("Your mobile number"));
    assert!(
        public
            .body
            .contains("src=\"https://acme.example/logo.png\"")
    );
    let look_url = public
        .body
        .split("href=\"")
        .find(|s| s.contains("/look.css"))
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let css = b.get(&look_url).await;
    assert_eq!(css.status, 200);
    assert!(css.body.contains("--bw-primary: #aa0033"), "{}", css.body);
    assert!(css.body.contains("--bw-bg: #fffbeb"), "{}", css.body);

    let embed = b.get(&format!("{path}/embed.js")).await;
    assert_eq!(embed.status, 200);
    assert!(
        embed.body.contains(&format!("\"{}{path}\"", app.base)),
        "{}",
        embed.body
    );
    assert!(embed.body.contains("\"Join Acme on WhatsApp\""));

    // The consent text recorded is the one now shown.
    request_sms(&mut b, &path, "+436645555555", "").await;
    let entries = ledger(&app, "+436645555555").await;
    assert_eq!(
        entries[0].text.as_deref(),
        Some("Yes, Acme may write to me on WhatsApp.")
    );
}

/// R22: the widget's look through the API too; bad values name their field.
#[tokio::test]
async fn the_api_reads_and_changes_the_look() {
    let app = spawn_app(Backend::Sqlite).await;
    let path = widget_path(&app).await;
    let (status, got) = app.get_json("/api/v1/settings/widget").await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["url"], format!("{}{path}", app.base));
    assert_eq!(got["look"]["language"], "de");
    assert_eq!(got["look"]["title"], serde_json::Value::Null);

    let put = |body: serde_json::Value| {
        let request = app
            .req(reqwest::Method::PUT, "/api/v1/settings/widget")
            .json(&body);
        async move { support::json_of(request.send().await.unwrap()).await }
    };
    let look = json!({
        "language": "en", "title": "Acme news", "primary_color": "#123456",
        "background_color": "#ffffff", "text_color": "#000000", "logo_url": ""
    });
    let (status, saved) = put(look.clone()).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["look"]["title"], "Acme news");
    assert_eq!(saved["look"]["logo_url"], serde_json::Value::Null);
    let mut bad = look;
    bad["logo_url"] = json!("http://acme.example/logo.png");
    let (status, e) = put(bad).await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["field"], "logo_url", "{e}");
    let page = Browser::new(&app.base).get(&path).await;
    assert!(page.body.contains("Acme news"));
}
