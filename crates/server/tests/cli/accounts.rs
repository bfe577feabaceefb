//! `bote account`, `bote user`, `bote token` and `bote contacts` as scripts use them.

use super::*;

#[test]
fn accounts_users_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(&dir);
    let id = ok(&db, &["account", "create", "--name", "acme"]);
    assert_eq!(id.trim().parse::<i64>().unwrap(), 1);
    let out = bote(
        &db,
        &["account", "create", "--name", "trial", "--kind", "test"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("verified mobile number"));
    ok(
        &db,
        &[
            "account",
            "create",
            "--name",
            "trial",
            "--kind",
            "test",
            "--verified-number",
            "0676 1234567",
        ],
    );
    let list = ok(&db, &["account", "list"]);
    assert!(
        list.contains("acme\tbusiness") && list.contains("trial\ttest"),
        "{list}"
    );

    // `token create` prints only the token.
    let token = ok(&db, &["token", "create", "--account", "acme"]);
    assert_eq!(token.lines().count(), 1);
    assert!(
        token.trim().starts_with("bote_") && token.trim().len() == 45,
        "{token:?}"
    );
    let listed = ok(&db, &["token", "list", "--account", "acme"]);
    assert!(
        listed.contains("full") && listed.contains("active"),
        "{listed}"
    );
    ok(&db, &["token", "revoke", "--account", "acme", token.trim()]);
    assert!(ok(&db, &["token", "list", "--account", "acme"]).contains("revoked"));
    let out = bote(&db, &["token", "revoke", "--account", "trial", "1"]);
    assert!(
        !out.status.success(),
        "a token of another account cannot be revoked"
    );

    let password = ok(
        &db,
        &[
            "user",
            "add",
            "--account",
            "acme",
            "--username",
            "anna",
            "--role",
            "owner",
        ],
    );
    assert!(
        password.trim().len() >= 16,
        "generated password printed: {password:?}"
    );
    ok(
        &db,
        &[
            "user",
            "add",
            "--account-manager",
            "--username",
            "boss",
            "--password",
            "long-enough",
        ],
    );
    let out = bote(
        &db,
        &["user", "add", "--account", "nope", "--username", "x"],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no account named 'nope'"));
}

#[test]
fn contacts_import_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(&dir);
    ok(&db, &["account", "create", "--name", "acme"]);
    let file = dir.path().join("contacts.csv");
    std::fs::write(&file, "Vorname;Nachname;Handy;Gruppen\nAnna;Huber;0676 1000001;NEWS\nBad;Row;12;\nBernd;;+436761000002;news vip\n").unwrap();
    let out = bote(
        &db,
        &[
            "contacts",
            "import",
            file.to_str().unwrap(),
            "--account",
            "acme",
        ],
    );
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 3 (sms_number): sms_number '12' is not a valid phone number"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 created, 0 updated, 0 unchanged, 1 rejected"),
        "{stderr}"
    );

    let csv = ok(&db, &["contacts", "export", "--account", "acme"]);
    assert_eq!(
        csv,
        "first_name,last_name,sms_number,whatsapp_number,groups,fields\n\
         Anna,Huber,+436761000001,,NEWS,\n\
         Bernd,,+436761000002,,NEWS VIP,\n"
    );
    let vip = ok(
        &db,
        &["contacts", "export", "--account", "acme", "--group", "VIP"],
    );
    assert_eq!(vip.lines().count(), 2);

    let broken = dir.path().join("broken.csv");
    std::fs::write(&broken, "sms_number,first_name\n0676 1000009,\"x\",y\n").unwrap();
    let out = bote(
        &db,
        &[
            "contacts",
            "import",
            broken.to_str().unwrap(),
            "--account",
            "acme",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"));
}

#[test]
fn accounts_get_a_time_zone_and_users_an_email_address() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(&dir);
    ok(
        &db,
        &[
            "account",
            "create",
            "--name",
            "chai",
            "--time-zone",
            "Asia/Kolkata",
        ],
    );
    ok(&db, &["account", "create", "--name", "acme"]);
    let out = bote(
        &db,
        &[
            "account",
            "create",
            "--name",
            "mars",
            "--time-zone",
            "Mars/Olympus",
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--time-zone") && stderr.contains("Mars/Olympus"),
        "{stderr}"
    );
    let list = ok(&db, &["account", "list"]);
    assert!(list.contains("chai\tbusiness\t\tAsia/Kolkata\n"), "{list}");
    assert!(list.contains("acme\tbusiness\t\t\n"), "{list}");
    assert!(!list.contains("mars"), "{list}");

    let add = |name: &str, email: &str| {
        bote(
            &db,
            &[
                "user",
                "add",
                "--account",
                "chai",
                "--username",
                name,
                "--role",
                "owner",
                "--password",
                "long-enough",
                "--email",
                email,
            ],
        )
    };
    let out = add("anna", "anna at chai");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("email: 'anna at chai'"), "{stderr}");
    assert!(add("anna", "anna@chai.example").status.success());

    let rt = tokio::runtime::Runtime::new().unwrap();
    let users = rt.block_on(async {
        let url = bote::config::DatabaseUrl::parse(&db).unwrap();
        let store = bote::store_open::open_store(&url).await.unwrap();
        let chai = store.account_by_name("chai").await.unwrap();
        store.list_users(chai.id).await.unwrap()
    });
    let users: Vec<_> = users.into_iter().map(|u| (u.username, u.email)).collect();
    assert_eq!(
        users,
        vec![("anna".to_owned(), Some("anna@chai.example".to_owned()))],
        "the refused user was not added"
    );
}
