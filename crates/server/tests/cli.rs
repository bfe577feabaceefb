//! The `bote` binary as scripts use it: the fixed points of DESIGN.md hold exactly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

fn bote(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bote"))
        .args(args)
        .env("BOTE_DATABASE_URL", db)
        .env_remove("BOTE_LISTEN")
        .output()
        .expect("bote runs")
}

fn ok(db: &str, args: &[&str]) -> String {
    let out = bote(db, args);
    assert!(
        out.status.success(),
        "bote {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn sqlite(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("cli.db").display())
}

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
        stderr.contains("line 3: sms_number '12' is not a valid phone number"),
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
fn every_command_has_help() {
    let commands: &[&[&str]] = &[
        &[],
        &["serve"],
        &["migrate"],
        &["account"],
        &["account", "create"],
        &["account", "list"],
        &["user", "add"],
        &["token", "create"],
        &["token", "revoke"],
        &["token", "list"],
        &["contacts", "import"],
        &["contacts", "export"],
    ];
    for cmd in commands {
        let mut args = cmd.to_vec();
        args.push("--help");
        let out = Command::new(env!("CARGO_BIN_EXE_bote"))
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage:"),
            "{args:?}"
        );
    }
}

#[test]
fn bad_configuration_names_the_key() {
    let out = Command::new(env!("CARGO_BIN_EXE_bote"))
        .args(["migrate"])
        .env("BOTE_DEFAULT_REGION", "XX")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("default_region") && err.contains("XX"),
        "{err}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_bote"))
        .args([
            "migrate",
            "--database-url",
            "postgres://bote:hunter2@127.0.0.1:1/nope",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("hunter2"), "the password leaked: {err}");
}

/// `bote serve` on a fresh database: migrates, creates the demo account, prints how to log
/// in, answers /healthz, and the printed token works.
#[test]
fn serve_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bote"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("BOTE_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    while printed.len() < 7 {
        match lines.next() {
            Some(line) => printed.push(line.unwrap()),
            None => break,
        }
    }
    let text = printed.join("\n");
    let url = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("bote is running at "))
        .expect("URL line")
        .to_owned();
    let token = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("API token:"))
        .expect("token line")
        .trim()
        .to_owned();
    assert!(text.contains("owner login:      demo / "), "{text}");
    assert!(
        text.contains("sandbox numbers:  WhatsApp +43800100100, SMS short code 0828"),
        "{text}"
    );
    assert!(
        dir.path().join("bote.db").exists(),
        "SQLite at ./bote.db by default"
    );

    bote::install_tls_provider();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let health = client.get(format!("{url}/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        assert_eq!(
            health.json::<serde_json::Value>().await.unwrap()["store"],
            "sqlite"
        );
        let contacts = client
            .get(format!("{url}/api/v1/contacts"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(contacts.status(), 200);
        // The demo account can play a customer at once (R7's loop starts here).
        let inbound = client
            .post(format!("{url}/api/v1/sandbox/inbound"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"channel": "whatsapp", "from": "0676 1234567", "to": "+43800100100", "text": "START NEWS"}))
            .send()
            .await
            .unwrap();
        assert_eq!(inbound.status(), 201);
    });
    child.kill().unwrap();
    child.wait().unwrap();
}

/// `BOTE_SMPP` and `--smpp`: bad URLs name the key and hide the password; good ones become
/// the SMS channels `bote serve` lists, and the log names them without the password.
#[test]
fn smpp_connections_from_the_environment_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(&dir);
    for (env, flag) in [
        (Some("smpp://bote:hunter2@127.0.0.1:1?window=0"), None),
        (None, Some("smpp://bote:hunter2@127.0.0.1:1?routes=43x")),
        (
            Some("smpp://bote:pw@127.0.0.1:1"),
            Some("ftp://bote:hunter2@host"),
        ),
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bote"));
        cmd.arg("migrate").env("BOTE_DATABASE_URL", &db);
        if let Some(e) = env {
            cmd.env("BOTE_SMPP", e);
        }
        if let Some(f) = flag {
            cmd.args(["--smpp", f]);
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success(), "{env:?} {flag:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("config key `smpp`"), "{err}");
        assert!(!err.contains("hunter2"), "the password leaked: {err}");
    }

    let log = dir.path().join("serve.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bote"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("BOTE_DATABASE_URL", &db)
        .env(
            "BOTE_SMPP",
            "smpp://bote:hunter2@127.0.0.1:1?name=env-a&routes=43676,43699, \
             smpp://bote:hunter2@127.0.0.1:2?name=env-b&default=1&reconnect_min=100ms",
        )
        .env("BOTE_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    while printed.len() < 7 {
        match lines.next() {
            Some(line) => printed.push(line.unwrap()),
            None => break,
        }
    }
    let text = printed.join("\n");
    let url = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("bote is running at "))
        .expect("URL line")
        .to_owned();
    let token = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("API token:"))
        .expect("token line")
        .trim()
        .to_owned();
    bote::install_tls_provider();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let channels: serde_json::Value = rt.block_on(async {
        reqwest::Client::new()
            .get(format!("{url}/api/v1/channels"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let list = channels.as_array().unwrap();
    let names: Vec<&str> = list.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["sandbox", "env-a", "env-b", "sandbox-whatsapp"]);
    assert_eq!(list[1]["routes"], serde_json::json!(["43676", "43699"]));
    assert_eq!(
        (
            &list[0]["default"],
            &list[1]["default"],
            &list[2]["default"]
        ),
        (&false.into(), &false.into(), &true.into())
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("env-a") && logged.contains("env-b"),
        "{logged}"
    );
    assert!(!logged.contains("hunter2"), "the password leaked: {logged}");
}

#[test]
fn business_numbers_and_the_sandbox_handset() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(&dir);
    ok(&db, &["account", "create", "--name", "acme"]);
    let id = ok(
        &db,
        &[
            "number",
            "add",
            "--account",
            "acme",
            "--whatsapp",
            "0800 100100",
            "--provider-ref",
            "1096",
        ],
    );
    assert!(id.trim().parse::<i64>().is_ok(), "{id}");
    ok(
        &db,
        &["number", "add", "--account", "acme", "--sms", "0828"],
    );
    let taken = bote(
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
    assert!(!taken.status.success());
    assert!(String::from_utf8_lossy(&taken.stderr).contains("already belongs"));
    let list = ok(&db, &["number", "list", "--account", "acme"]);
    assert!(list.contains("whatsapp\t+43800100100\t1096"), "{list}");
    assert!(list.contains("sms\t0828"), "{list}");

    let inbound = ok(
        &db,
        &[
            "sandbox",
            "inbound",
            "--channel",
            "whatsapp",
            "--from",
            "0676 1000001",
            "--to",
            "+43800100100",
            "--text",
            "START NEWS",
        ],
    );
    assert!(inbound.trim().parse::<i64>().is_ok(), "{inbound}");
    let unknown = bote(
        &db,
        &[
            "sandbox",
            "inbound",
            "--channel",
            "sms",
            "--from",
            "0676 1000001",
            "--to",
            "0999",
            "--text",
            "Hi",
        ],
    );
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("--to"),
        "{unknown:?}"
    );
}

/// R1: `bote number add --whatsapp --phone-number-id …` registers a Cloud API number; its
/// secrets come from flags or the environment and are never printed back.
#[test]
fn cloud_api_numbers_keep_their_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(&dir);
    ok(&db, &["account", "create", "--name", "acme"]);
    let id = ok(
        &db,
        &[
            "number",
            "add",
            "--account",
            "acme",
            "--whatsapp",
            "--phone-number-id",
            "106540352242922",
            "--number",
            "+43 800 100100",
            "--access-token",
            "EAAG-flag-token",
            "--app-secret",
            "flag-app-secret",
            "--verify-token",
            "flag-verify-token",
            "--rate",
            "200",
        ],
    );
    assert!(id.trim().parse::<i64>().is_ok(), "{id}");
    // Secrets from the environment, out of shell history.
    let from_env = Command::new(env!("CARGO_BIN_EXE_bote"))
        .args([
            "number",
            "add",
            "--account",
            "acme",
            "--whatsapp",
            "--phone-number-id",
            "2001",
            "--number",
            "+43800200200",
        ])
        .env("BOTE_DATABASE_URL", &db)
        .env("BOTE_WHATSAPP_ACCESS_TOKEN", "EAAG-env-token")
        .env("BOTE_WHATSAPP_APP_SECRET", "env-app-secret")
        .env("BOTE_WHATSAPP_VERIFY_TOKEN", "env-verify-token")
        .output()
        .unwrap();
    assert!(
        from_env.status.success(),
        "{}",
        String::from_utf8_lossy(&from_env.stderr)
    );
    // The old forms still work: a sandbox WhatsApp number and an SMS short code.
    ok(
        &db,
        &[
            "number",
            "add",
            "--account",
            "acme",
            "--whatsapp",
            "+43800300300",
        ],
    );
    ok(
        &db,
        &["number", "add", "--account", "acme", "--sms", "0828"],
    );

    let list = ok(&db, &["number", "list"]);
    assert!(
        list.contains("whatsapp\t+43800100100\t106540352242922\tcloud api"),
        "{list}"
    );
    assert!(
        list.contains("whatsapp\t+43800200200\t2001\tcloud api"),
        "{list}"
    );
    assert!(list.contains("whatsapp\t+43800300300\t\tsandbox"), "{list}");
    assert!(list.contains("sms\t0828"), "{list}");
    for secret in [
        "EAAG-flag-token",
        "flag-app-secret",
        "flag-verify-token",
        "EAAG-env-token",
        "env-app-secret",
        "env-verify-token",
    ] {
        assert!(!list.contains(secret), "{secret} printed: {list}");
    }

    // Incomplete credentials name the missing flag and write nothing.
    let missing = bote(
        &db,
        &[
            "number",
            "add",
            "--account",
            "acme",
            "--whatsapp",
            "--phone-number-id",
            "3001",
            "--number",
            "+43800400400",
            "--access-token",
            "EAAG-x",
        ],
    );
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("--app-secret"), "{stderr}");
    let rate = bote(
        &db,
        &[
            "number",
            "add",
            "--account",
            "acme",
            "--whatsapp",
            "--phone-number-id",
            "3001",
            "--number",
            "+43800400400",
            "--access-token",
            "EAAG-x",
            "--app-secret",
            "s",
            "--verify-token",
            "v",
            "--rate",
            "0",
        ],
    );
    assert!(!rate.status.success());
    assert!(String::from_utf8_lossy(&rate.stderr).contains("--rate"));
    let taken = bote(
        &db,
        &[
            "number",
            "add",
            "--account",
            "acme",
            "--whatsapp",
            "--phone-number-id",
            "2001",
            "--number",
            "+43800500500",
            "--access-token",
            "a",
            "--app-secret",
            "b",
            "--verify-token",
            "c",
        ],
    );
    assert!(!taken.status.success());
    assert!(
        String::from_utf8_lossy(&taken.stderr).contains("phone number id 2001 already belongs")
    );
    assert!(!ok(&db, &["number", "list"]).contains("+43800400400"));
}

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
