//! Headless Chromium over WebDriver: Debian's `chromedriver` on a free port, one browser per
//! test file, and screenshots under `target/web-screenshots/` to look at.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

pub struct Driver {
    pub client: Client,
    chromedriver: Child,
}

impl Drop for Driver {
    /// Ends chromedriver and the Chromium it started: they share a process group of their
    /// own (killing chromedriver alone left every browser process running).
    fn drop(&mut self) {
        let group = format!("-{}", self.chromedriver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Where screenshots go: `target/web-screenshots/` of the workspace.
pub fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/web-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Driver {
    /// Starts chromedriver and a headless Chromium with a desktop-sized window and
    /// `lang` as the browser's language.
    pub async fn start(lang: &str) -> Driver {
        let port = free_port();
        let mut chromedriver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (scripts/test.sh installs Debian's chromium-driver)");
        let url = format!("http://127.0.0.1:{port}");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--window-size=1280,860",
                    format!("--lang={lang}"),
                ],
                "prefs": { "intl.accept_languages": lang },
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut last = None;
        for _ in 0..100 {
            match ClientBuilder::new(connector.clone())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Driver {
                        client,
                        chromedriver,
                    };
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = chromedriver.kill();
        panic!("chromedriver did not start a browser: {last:?}");
    }

    /// Signs in through the login form at `login_url`, and returns once the browser has
    /// left the login page (the login page has an `h1` too, so waiting for one raced).
    pub async fn log_in(&self, login_url: &str, username: &str, password: &str) {
        let c = &self.client;
        c.goto(login_url).await.unwrap();
        for (field, value) in [("username", username), ("password", password)] {
            c.find(Locator::Id(field))
                .await
                .unwrap()
                .send_keys(value)
                .await
                .unwrap();
        }
        c.find(Locator::Id("sign-in"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        crate::support::eventually(10, "the page after signing in", || async {
            let url = c.current_url().await.ok()?;
            (url.path() != "/login").then_some(())
        })
        .await;
    }

    /// Saves the current page as `target/web-screenshots/{name}.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
    }
}
