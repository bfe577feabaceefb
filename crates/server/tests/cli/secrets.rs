//! Secrets never reach the log, even at debug level: configured ones (callback key, SMPP
//! password), credentials callers send (tokens, passwords — right and wrong, in headers and
//! in a websms query string), Cloud API credentials registered through the API, and the
//! web session cookie.

use super::*;

/// The value after `prefix` on the first printed line that has it.
fn printed<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?} in {text}"))
        .trim()
}

#[test]
fn no_secret_reaches_the_log_at_debug_level() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(&dir);
    let log = dir.path().join("serve.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bote"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("BOTE_DATABASE_URL", &db)
        .env("BOTE_CALLBACK_SECRET", "callback-key-leak-0123456789")
        .env(
            "BOTE_SMPP",
            "smpp://bote:smpppwlk@127.0.0.1:1?reconnect_min=100ms",
        )
        .env("BOTE_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut text = String::new();
    while !text.contains("API token:") || !text.contains("account manager:") {
        let line = lines
            .next()
            .expect("serve printed its first-start lines")
            .unwrap();
        text.push_str(&line);
        text.push('\n');
    }
    let url = printed(&text, "bote is running at").to_owned();
    let token = printed(&text, "API token:").to_owned();
    let admin_password = printed(&text, "account manager:")
        .rsplit(" / ")
        .next()
        .unwrap()
        .to_owned();
    let owner_password = printed(&text, "owner login:")
        .rsplit(" / ")
        .next()
        .unwrap()
        .to_owned();

    bote::install_tls_provider();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let session_cookie = rt.block_on(async {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let get = |path: &str| http.get(format!("{url}{path}"));
        assert_eq!(get("/api/v1/contacts").bearer_auth(&token).send().await.unwrap().status(), 200);
        let wrong = get("/api/v1/contacts").bearer_auth("bote_wrong-token-leak").send().await.unwrap();
        assert_eq!(wrong.status(), 401);
        let wrong = get("/api/v1/contacts")
            .basic_auth("demo", Some("wrong-password-leak"))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401);
        let simple = get("/rest/smsmessaging/simple?recipientAddressList=436761234567&messageContent=hi&test=true&access_token=bote_query-token-leak")
            .send()
            .await
            .unwrap();
        assert_eq!(simple.status(), 401);
        let added = http
            .post(format!("{url}/api/v1/admin/numbers"))
            .basic_auth("admin", Some(&admin_password))
            .json(&serde_json::json!({
                "account": "demo", "channel": "whatsapp", "number": "+43800100199",
                "phone_number_id": "106540352242999", "access_token": "EAAG-access-token-leak",
                "app_secret": "app-secret-leak", "verify_token": "verify-token-leak"
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(added.status(), 201, "{}", added.text().await.unwrap());
        // The web login: its session cookie is a bearer credential too.
        let login_page = get("/login").send().await.unwrap();
        let csrf_cookie = login_page
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join("; ");
        let page = login_page.text().await.unwrap();
        let csrf = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a CSRF field on the login page")
            .to_owned();
        let logged_in = http
            .post(format!("{url}/login"))
            .header("cookie", csrf_cookie)
            .form(&[("username", "demo"), ("password", owner_password.as_str()), ("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(logged_in.status(), 303);
        logged_in
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|c| c.to_str().ok())
            .find_map(|c| c.strip_prefix("bote_session="))
            .map(|c| c.split(';').next().unwrap().to_owned())
            .expect("a session cookie")
    });
    // Give the SMPP connection time to fail and log its retries.
    std::thread::sleep(std::time::Duration::from_millis(500));
    child.kill().unwrap();
    child.wait().unwrap();

    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("DEBUG") && logged.contains("rejected credentials"),
        "the log is at debug level and saw the wrong credentials: {logged}"
    );
    for secret in [
        token.as_str(),
        admin_password.as_str(),
        owner_password.as_str(),
        session_cookie.as_str(),
        "callback-key-leak",
        "smpppwlk",
        "wrong-token-leak",
        "wrong-password-leak",
        "query-token-leak",
        "EAAG-access-token-leak",
        "app-secret-leak",
        "verify-token-leak",
    ] {
        assert!(!logged.contains(secret), "{secret:?} leaked into the log");
    }
}
