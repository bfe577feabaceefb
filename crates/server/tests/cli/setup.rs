//! Help, configuration errors, the first `bote serve`, and SMPP connections from the environment.

use super::*;

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
