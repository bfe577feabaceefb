//! `bote whatsapp`: packages, their pending state and the refusal to move small up in place.

use super::*;

/// R1, R3, R4: `bote whatsapp` activates a package (pending with its expected date until
/// `bote number add --whatsapp` makes it active), refuses to move small up in place
/// without `--reset-opt-ins`, shows the status and removes the add-on.
#[test]
fn r1_r3_r4_whatsapp_packages_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(&dir);
    ok(&db, &["account", "create", "--name", "acme"]);
    let fail = |args: &[&str]| {
        let out = bote(&db, args);
        assert!(!out.status.success(), "bote {args:?} succeeded");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = fail(&[
        "whatsapp",
        "activate",
        "--account",
        "acme",
        "--package",
        "xl",
    ]);
    assert!(e.contains("small, medium, large"), "{e}");
    let e = fail(&[
        "whatsapp",
        "activate",
        "--account",
        "nobody",
        "--package",
        "small",
    ]);
    assert!(e.contains("no account named 'nobody'"), "{e}");

    let out = ok(
        &db,
        &[
            "whatsapp",
            "activate",
            "--account",
            "acme",
            "--package",
            "small",
        ],
    );
    let fields: Vec<&str> = out.trim().split('\t').collect();
    assert_eq!(fields[..2], ["small", "pending"], "{out}");
    let expected: chrono::NaiveDate = fields[2].parse().expect("an expected date");
    assert!(expected > chrono::Utc::now().date_naive() + chrono::Duration::days(8));

    let e = fail(&[
        "whatsapp",
        "activate",
        "--account",
        "acme",
        "--package",
        "medium",
    ]);
    assert!(
        e.contains("opt in again") && e.contains("--reset-opt-ins"),
        "{e}"
    );
    let status = ok(&db, &["whatsapp", "status", "--account", "acme"]);
    assert!(status.starts_with("acme\tsmall\tpending\t"), "{status}");
    assert!(status.contains("\t1000\t"), "small cap: {status}");
    let configured = Command::new(env!("CARGO_BIN_EXE_bote"))
        .args(["whatsapp", "status", "--account", "acme"])
        .env("BOTE_DATABASE_URL", &db)
        .env("BOTE_PACKAGES_SMALL_CAP", "50")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&configured.stdout);
    assert!(
        text.contains("\tsmall\tpending\t") && text.contains("\t50\t"),
        "R2: {text}"
    );
    let zero = Command::new(env!("CARGO_BIN_EXE_bote"))
        .args(["whatsapp", "status"])
        .env("BOTE_DATABASE_URL", &db)
        .env("BOTE_PACKAGES_LARGE_CAP", "0")
        .output()
        .unwrap();
    assert!(!zero.status.success());
    assert!(String::from_utf8_lossy(&zero.stderr).contains("`packages.large_cap`"));

    let out = bote(
        &db,
        &[
            "whatsapp",
            "activate",
            "--account",
            "acme",
            "--package",
            "medium",
            "--reset-opt-ins",
        ],
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("must opt in again"));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("medium\tpending\t"));

    ok(
        &db,
        &[
            "number",
            "add",
            "--account",
            "acme",
            "--whatsapp",
            "+43800100100",
        ],
    );
    let status = ok(&db, &["whatsapp", "status"]);
    assert_eq!(
        status.lines().count(),
        1,
        "only accounts with the add-on: {status}"
    );
    assert!(
        status.starts_with("acme\tmedium\tactive\t")
            && status.trim_end().ends_with("\t10000\t+43800100100"),
        "{status}"
    );

    ok(&db, &["whatsapp", "deactivate", "--account", "acme"]);
    let e = fail(&["whatsapp", "deactivate", "--account", "acme"]);
    assert!(e.contains("no WhatsApp add-on"), "{e}");
    assert_eq!(ok(&db, &["whatsapp", "status"]), "");
    let none = ok(&db, &["whatsapp", "status", "--account", "acme"]);
    assert_eq!(none, "acme\t-\tnone\t-\t0\t+43800100100\n");
}
