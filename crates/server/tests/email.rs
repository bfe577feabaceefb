//! Emails to account owners over real SMTP (aiosmtpd as the receiver): the widget link
//! when an account manager activates WhatsApp (R1, R8), the reminder before a trial ends
//! (R5); each once per account, and a failed send neither blocks the activation nor is lost.

mod support;

use std::sync::Arc;

use bote::accounts::{add_user, create_account};
use bote::email::{MailCheck, SendOnce, send_once};
use bote_domain::{AccountKind, UserRole};
use bote_store::MailKind;
use reqwest::Method;
use serde_json::{Value, json};
use support::smtp::{SmtpReceiver, free_port, smtp_config};
use support::{Backend, TestApp, eventually, json_of, spawn_app_with};

const MANAGER: (&str, &str) = ("manager", "manager-password");

async fn activate(app: &TestApp, account: i64, package: &str) -> (u16, Value) {
    json_of(
        app.client
            .request(
                Method::PUT,
                app.url(&format!("/api/v1/admin/accounts/{account}/whatsapp")),
            )
            .basic_auth(MANAGER.0, Some(MANAGER.1))
            .json(&json!({ "package": package }))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn app_with_smtp(port: u16) -> TestApp {
    let app = spawn_app_with(Backend::Sqlite, |c| c.smtp = Some(smtp_config(port))).await;
    app.user(MANAGER.0, MANAGER.1, UserRole::AccountManager)
        .await;
    app
}

/// An account with an owner whose user name is an address, and a member who gets nothing.
async fn shop(app: &TestApp, name: &str, kind: AccountKind) -> bote_store::Account {
    let verified = (kind == AccountKind::Test).then(|| {
        bote_domain::PhoneNumber::parse("+436641000000", bote_domain::Region::AUSTRIA).unwrap()
    });
    let account = create_account(app.store.as_ref(), name, kind, verified, None)
        .await
        .unwrap();
    for (user, role) in [
        (format!("owner@{name}.example"), UserRole::Owner),
        (format!("member@{name}.example"), UserRole::Member),
    ] {
        add_user(
            app.store.as_ref(),
            Some(account.id),
            &user,
            "pw-12345678".into(),
            role,
            None,
        )
        .await
        .unwrap();
    }
    account
}

/// R1, R8: activating WhatsApp emails the owners their widget's link, once.
#[tokio::test]
async fn activation_emails_the_widget_link_once() {
    let smtp = SmtpReceiver::start();
    let app = app_with_smtp(smtp.port).await;
    let shop = shop(&app, "laden", AccountKind::Business).await;

    let (status, r) = activate(&app, shop.id.0, "medium").await;
    assert_eq!(status, 200, "{r}");
    let mail = eventually(15, "the activation email", || async {
        smtp.messages().pop()
    })
    .await;
    let widget = app.store.widget(shop.id).await.unwrap();
    let link = format!("{}/w/{}", app.base, widget.public_id);
    assert!(mail.contains(&link), "{mail}");
    assert!(mail.contains("owner@laden.example"), "{mail}");
    assert!(
        !mail.contains("member@laden.example"),
        "owners only: {mail}"
    );
    assert!(mail.contains("From: bote <bote@bote.test>"), "{mail}");
    // The mail is recorded after the SMTP transaction ends, so the receiver can see it first.
    eventually(15, "the activation email recorded", || async {
        app.store
            .mail_sent(shop.id, MailKind::WhatsappActivated)
            .await
            .unwrap()
    })
    .await;

    // Changing the package sends no second email.
    let mailer = mailer(smtp.port);
    let (status, r) = activate(&app, shop.id.0, "large").await;
    assert_eq!(status, 200, "{r}");
    let again = send_once(
        app.store.as_ref(),
        &mailer,
        shop.id,
        MailKind::WhatsappActivated,
        &app.base,
    )
    .await
    .unwrap();
    assert_eq!(again, SendOnce::AlreadySent);
    assert_eq!(smtp.messages().len(), 1);
}

/// A mailer like the app's, for stepping the check and `send_once` from the test.
fn mailer(port: u16) -> Arc<bote::email::Mailer> {
    Arc::new(bote::email::Mailer::new(&smtp_config(port)).unwrap())
}

/// R5: a test account's owners are reminded before the trial ends, once; the check is
/// steppable, so the test moves its clock instead of waiting.
#[tokio::test]
async fn trials_ending_soon_get_one_reminder() {
    let smtp = SmtpReceiver::start();
    let app = app_with_smtp(smtp.port).await;
    let trial = shop(&app, "probe", AccountKind::Test).await;
    let ends = trial.trial_ends_at.expect("a trial end");
    let check = MailCheck {
        store: app.store.clone(),
        mailer: mailer(smtp.port),
        public_base: app.base.clone(),
    };

    let early = check
        .run_once(ends - chrono::Duration::days(5))
        .await
        .unwrap();
    assert_eq!(early.sent, 0, "too early");
    let due = check
        .run_once(ends - chrono::Duration::days(2))
        .await
        .unwrap();
    assert_eq!(due.sent, 1);
    let mail = smtp.messages().pop().expect("the reminder");
    assert!(mail.contains("owner@probe.example"), "{mail}");
    assert!(
        mail.contains(&ends.format("%Y-%m-%d %H:%M UTC").to_string()),
        "{mail}"
    );
    let later = check
        .run_once(ends - chrono::Duration::days(1))
        .await
        .unwrap();
    assert_eq!(later.sent, 0, "one reminder per account");
    assert_eq!(smtp.messages().len(), 1);
}

/// A failed send does not hold up the activation; the next check sends it.
#[tokio::test]
async fn failed_emails_do_not_block_and_are_sent_later() {
    let port = free_port();
    let app = app_with_smtp(port).await;
    let shop = shop(&app, "spaet", AccountKind::Business).await;

    let started = std::time::Instant::now();
    let (status, r) = activate(&app, shop.id.0, "small").await;
    assert_eq!(status, 200, "{r}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let mailer = mailer(port);
    let failed = send_once(
        app.store.as_ref(),
        &mailer,
        shop.id,
        MailKind::WhatsappActivated,
        &app.base,
    )
    .await;
    assert!(failed.is_err(), "nobody listens on the SMTP port");
    assert!(
        app.store
            .mail_sent(shop.id, MailKind::WhatsappActivated)
            .await
            .unwrap()
            .is_none()
    );

    let smtp = SmtpReceiver::start_on(port);
    let check = MailCheck {
        store: app.store.clone(),
        mailer,
        public_base: app.base.clone(),
    };
    let report = check.run_once(chrono::Utc::now()).await.unwrap();
    assert!(report.sent >= 1, "{report:?}");
    let mail = smtp
        .messages()
        .into_iter()
        .find(|m| m.contains("owner@spaet.example"))
        .expect("the activation email");
    assert!(mail.contains("small"), "{mail}");
}

/// An owner's own email address (set through the API) gets the account's emails; an owner
/// without one keeps getting them at a user name that is an address; members get none.
#[tokio::test]
async fn emails_go_to_the_owners_own_addresses() {
    let smtp = SmtpReceiver::start();
    let app = app_with_smtp(smtp.port).await;
    let kiosk = create_account(
        app.store.as_ref(),
        "kiosk",
        AccountKind::Business,
        None,
        None,
    )
    .await
    .unwrap();
    let users = [
        ("chef", UserRole::Owner, None),
        (
            "owner@kiosk.example",
            UserRole::Owner,
            Some("inhaber@kiosk.example"),
        ),
        ("kassa@kiosk.example", UserRole::Owner, None),
        ("helfer", UserRole::Member, Some("helfer@kiosk.example")),
    ];
    for (name, role, email) in users {
        add_user(
            app.store.as_ref(),
            Some(kiosk.id),
            name,
            "pw-12345678".into(),
            role,
            email,
        )
        .await
        .unwrap();
    }
    // The owner "chef" gives their address themselves.
    let (status, me) = json_of(
        app.client
            .put(app.url("/api/v1/settings/user"))
            .basic_auth("chef", Some("pw-12345678"))
            .json(&json!({"email": "chefin@kiosk.example"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{me}");

    let (status, r) = activate(&app, kiosk.id.0, "medium").await;
    assert_eq!(status, 200, "{r}");
    let mail = eventually(15, "the activation email", || async {
        smtp.messages().pop()
    })
    .await;
    let to = mail
        .lines()
        .find(|l| l.starts_with("To: "))
        .unwrap_or_else(|| panic!("{mail}"));
    for address in [
        "chefin@kiosk.example",
        "inhaber@kiosk.example",
        "kassa@kiosk.example",
    ] {
        assert!(to.contains(address), "{address}: {to}");
    }
    assert!(
        !to.contains("owner@kiosk.example"),
        "the own address wins: {to}"
    );
    assert!(!mail.contains("helfer@kiosk.example"), "members: {mail}");
    assert_eq!(smtp.messages().len(), 1, "one email to all owners");
}
