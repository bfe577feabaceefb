//! R1, R3, R4, R5, R22: the account managers' area. In a real browser a manager creates a
//! test and a business account, activates WhatsApp with a package, sees the pending setup
//! with its expected date and registers the business number that completes it; plain HTTP
//! checks that everyone else is answered 403 and that forms need the CSRF token.

mod support;
mod web;

use bote_domain::{AccountKind, ChannelKind, Package, TokenScope, UserRole};
use bote_store::AddonState;
use fantoccini::Locator;
use support::{Backend, spawn_app};
use web::Browser;
use web::driver::Driver;
use web::steps::{click, text_containing, type_into};

/// R1, R3, R4, R5: accounts made, WhatsApp activated, the setup pending until its number
/// is registered, all through the pages; the store holds each step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_creates_accounts_activates_whatsapp_and_registers_a_number() {
    let app = spawn_app(Backend::Sqlite).await;
    app.user("max", "manager pass", UserRole::AccountManager)
        .await;
    let driver = Driver::start("en-US").await;
    let c = &driver.client;
    c.goto(&app.url("/login")).await.unwrap();
    type_into(c, "username", "max").await;
    type_into(c, "password", "manager pass").await;
    click(c, "#sign-in").await;
    c.wait()
        .for_element(Locator::Css("[data-testid=accounts]"))
        .await
        .unwrap();

    // R5: a test account without its verified number is refused, with it made.
    type_into(c, "account-name", "Bäckerei Test").await;
    c.find(Locator::Id("account-kind"))
        .await
        .unwrap()
        .select_by_value("test")
        .await
        .unwrap();
    click(c, "#create-account").await;
    let alert = c.wait().for_element(Locator::Css(".alert")).await.unwrap();
    assert!(alert.text().await.unwrap().contains("verified_number"));
    type_into(c, "verified-number", "0676 5550001").await;
    click(c, "#create-account").await;
    c.wait()
        .for_element(Locator::Css("[data-testid=done]"))
        .await
        .unwrap();
    let test = app.store.account_by_name("Bäckerei Test").await.unwrap();
    assert_eq!(test.kind, AccountKind::Test);
    assert_eq!(
        test.verified_number.as_ref().map(|n| n.as_str()),
        Some("+436765550001")
    );
    assert!(test.trial_ends_at.is_some(), "R5: a trial");

    // A business account with its first owner, who can log in.
    type_into(c, "account-name", "Blumen Huber").await;
    type_into(c, "owner", "huber").await;
    type_into(c, "owner-password", "huber pass 1").await;
    click(c, "#create-account").await;
    // The page before also shows a `done` notice (for the test account): wait for this one.
    text_containing(c, "[data-testid=done]", "Blumen Huber").await;
    let huber = app.store.account_by_name("Blumen Huber").await.unwrap();
    assert_eq!(huber.kind, AccountKind::Business);
    let mut owner = Browser::new(&app.base);
    assert_eq!(owner.log_in("huber", "huber pass 1").await.status, 303);

    // R1, R3: WhatsApp medium for Blumen Huber; the setup is pending with its date.
    let row = "tr[data-account='Blumen Huber']";
    c.wait()
        .for_element(Locator::Css(&format!("{row} select[name=package]")))
        .await
        .unwrap()
        .select_by_value("medium")
        .await
        .unwrap();
    click(c, &format!("{row} form.activate button")).await;
    text_containing(c, "[data-testid=done]", "Blumen Huber: WhatsApp medium").await;
    driver.screenshot("admin-accounts").await;
    let addon = app.store.whatsapp_addon(huber.id).await.unwrap().unwrap();
    assert_eq!(addon.package, Package::Medium);
    assert_eq!(addon.state, AddonState::Pending);

    click(c, ".tabs a[href='/admin/pending']").await;
    let pending = text_containing(c, "[data-testid=pending]", "Blumen Huber").await;
    assert!(
        pending.contains(&addon.expected_on.to_string()),
        "R3: {pending}"
    );
    driver.screenshot("admin-pending").await;

    // R4: registering its WhatsApp number completes the setup.
    click(c, ".tabs a[href='/admin/numbers']").await;
    c.wait()
        .for_element(Locator::Id("number-account"))
        .await
        .unwrap()
        .select_by_value("Blumen Huber")
        .await
        .unwrap();
    type_into(c, "number-number", "+43 1 2345678").await;
    click(c, "#register-number").await;
    // The table is on the page before and after the POST: read it until the new page has
    // the number (a read of the old page may go stale while the new one loads).
    let mut table = String::new();
    for _ in 0..100 {
        if let Ok(t) = c.find(Locator::Css("[data-testid=numbers]")).await {
            table = t.text().await.unwrap_or_default();
        }
        if table.contains("+4312345678") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(table.contains("+4312345678"), "{table}");
    driver.screenshot("admin-numbers").await;
    let numbers = app.store.business_numbers(Some(huber.id)).await.unwrap();
    assert_eq!(numbers.len(), 1);
    assert_eq!(numbers[0].channel, ChannelKind::Whatsapp);
    assert_eq!(
        app.store
            .whatsapp_addon(huber.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        AddonState::Active
    );
    click(c, ".tabs a[href='/admin/pending']").await;
    c.wait().for_element(Locator::Css(".empty")).await.unwrap();

    // The German admin area.
    click(c, ".lang-switch").await;
    c.goto(&app.url("/admin")).await.unwrap();
    let tab = c
        .find(Locator::Css(".tabs a[aria-current=page]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(tab, "Konten");
    driver.screenshot("admin-de").await;
}

/// R22: the admin pages and forms answer an account's user 403 and change nothing; a
/// manager's form without the CSRF token is refused; moving up from small needs the reset
/// confirmed (R3).
#[tokio::test]
async fn the_admin_area_is_for_account_managers_only() {
    let app = spawn_app(Backend::Sqlite).await;
    app.user("anna", "correct horse", UserRole::Owner).await;
    app.user("max", "manager pass", UserRole::AccountManager)
        .await;
    let mut anna = Browser::new(&app.base);
    assert_eq!(anna.log_in("anna", "correct horse").await.status, 303);
    let csrf = anna.get("/contacts").await.csrf();
    for path in ["/admin", "/admin/pending", "/admin/numbers"] {
        assert_eq!(anna.get(path).await.status, 403, "{path}");
    }
    let id = app.account.id.0.to_string();
    let posts: [(String, Vec<(&str, &str)>); 3] = [
        (
            "/admin/accounts".into(),
            vec![("csrf", &csrf), ("name", "Sneaky"), ("kind", "business")],
        ),
        (
            format!("/admin/accounts/{id}/whatsapp"),
            vec![("csrf", &csrf), ("package", "large")],
        ),
        (
            "/admin/numbers".into(),
            vec![
                ("csrf", &csrf),
                ("account", "acme"),
                ("channel", "whatsapp"),
                ("number", "+4312345678"),
            ],
        ),
    ];
    for (path, form) in &posts {
        assert_eq!(anna.post(path, form).await.status, 403, "{path}");
    }
    assert!(app.store.account_by_name("Sneaky").await.is_err());
    let addon = app
        .store
        .whatsapp_addon(app.account.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        addon.package,
        Package::Medium,
        "the harness's package, unchanged"
    );
    let numbers = app
        .store
        .business_numbers(Some(app.account.id))
        .await
        .unwrap();
    assert!(numbers.iter().all(|n| n.number != "+4312345678"));

    let mut max = Browser::new(&app.base);
    assert_eq!(max.log_in("max", "manager pass").await.status, 303);
    let forged = max
        .post(
            "/admin/accounts",
            &[("name", "Sneaky"), ("kind", "business")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(app.store.account_by_name("Sneaky").await.is_err());
    assert_eq!(max.get("/contacts").await.status, 403, "no account");

    let (globex, _) = app.other_account("globex", TokenScope::Full).await;
    let csrf = max.get("/admin").await.csrf();
    let path = format!("/admin/accounts/{}/whatsapp", globex.id.0);
    let small = max
        .post(&path, &[("csrf", &csrf), ("package", "small")])
        .await;
    assert_eq!(small.status, 200, "{}", small.body);
    let up = max
        .post(&path, &[("csrf", &csrf), ("package", "large")])
        .await;
    assert_eq!(up.status, 422, "R3: moving up from small needs the reset");
    assert!(up.body.contains("opt in again"), "{}", up.body);
    let addon = app.store.whatsapp_addon(globex.id).await.unwrap().unwrap();
    assert_eq!(addon.package, Package::Small);
    let reset = max
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("package", "large"),
                ("reset_opt_ins", "on"),
            ],
        )
        .await;
    assert_eq!(reset.status, 200);
    let addon = app.store.whatsapp_addon(globex.id).await.unwrap().unwrap();
    assert_eq!(addon.package, Package::Large);
}

/// A manager gives a new account its time zone and its first owner an email address; a
/// zone or address that is none is refused naming its field, and nothing is created.
#[tokio::test]
async fn a_new_account_gets_its_zone_and_its_owner_an_address() {
    let app = spawn_app(Backend::Sqlite).await;
    app.user("max", "manager pass", UserRole::AccountManager)
        .await;
    let mut max = Browser::new(&app.base);
    max.headers.insert("accept-language", "en".parse().unwrap());
    assert_eq!(max.log_in("max", "manager pass").await.status, 303);
    let page = max.get("/admin").await;
    assert!(
        page.body
            .contains("<option value=\"\">Server default: Europe/Vienna</option>"),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    let form = |name: &'static str, zone: &'static str, email: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("name", name.to_owned()),
            ("kind", "business".to_owned()),
            ("time_zone", zone.to_owned()),
            ("owner", "chai-owner".to_owned()),
            ("password", "owner pass 1".to_owned()),
            ("owner_email", email.to_owned()),
        ]
    };
    for (fields, named) in [
        (
            form("Mars Tee", "Mars/Olympus", "chef@chai.example"),
            "time_zone",
        ),
        (form("Chai Laden", "Asia/Kolkata", "chef at chai"), "email"),
    ] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = max.post("/admin/accounts", &fields).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert!(
            refused.body.contains(&format!("{named}: ")),
            "names {named}: {}",
            refused.body
        );
    }
    assert_eq!(
        app.store.list_accounts().await.unwrap().len(),
        1,
        "only the harness's account"
    );

    let fields = form("Chai Laden", "Asia/Kolkata", "chef@chai.example");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let made = max.post("/admin/accounts", &fields).await;
    assert_eq!(made.status, 200, "{}", made.body);
    assert!(made.body.contains("data-testid=\"done\""), "{}", made.body);
    let chai = app.store.account_by_name("Chai Laden").await.unwrap();
    assert_eq!(chai.time_zone, Some(chrono_tz::Asia::Kolkata));
    let owners = app.store.list_users(chai.id).await.unwrap();
    assert_eq!(owners.len(), 1);
    assert_eq!(owners[0].username, "chai-owner");
    assert_eq!(owners[0].email.as_deref(), Some("chef@chai.example"));
    assert!(
        made.body.contains("<td>Asia/Kolkata</td>"),
        "the list shows the zone: {}",
        made.body
    );
}
