//! The integration harness: the real app on a random port with its own database — a temp
//! SQLite file or a fresh PostgreSQL database — exactly as `bote serve` builds it.

#![allow(dead_code)]

pub mod cloud;
pub mod consent;
pub mod private_pg;
pub mod receiver;
pub mod serve;
pub mod smsc;
pub mod smtp;
pub mod source_routes;

use std::sync::Arc;

use bote::accounts::{add_user, create_account, create_token};
use bote::{App, Config};
use bote_domain::{AccountKind, TokenScope, UserRole};
use bote_store::{Account, Store};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Arc<dyn Store>,
    /// Account "acme" with a full-scope token.
    pub account: Account,
    pub token: String,
    pub backend: Backend,
    /// The sandbox channels, whose inboxes show what each number received.
    pub sandbox: Arc<bote_channels::sandbox::Sandbox>,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub async fn database_url(backend: Backend, dir: &tempfile::TempDir) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("bote.db").display()),
        Backend::Postgres => bote_store_postgres::testing::fresh_database_url()
            .await
            .expect("a fresh PostgreSQL database (is PostgreSQL running on 127.0.0.1:5432?)"),
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database_url(backend, &dir).await;
    spawn_app_at(backend, url, dir, tweak).await
}

/// The app on the database at `url` (of kind `backend`), keeping `dir` while it runs.
pub async fn spawn_app_at(
    backend: Backend,
    url: String,
    dir: tempfile::TempDir,
    tweak: impl FnOnce(&mut Config),
) -> TestApp {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(std::env::var("BOTE_LOG").unwrap_or_else(|_| "warn".into()))
        .try_init();
    let overrides = bote::config::Overrides {
        listen: Some("127.0.0.1:0".into()),
        database_url: Some(url),
        ..Default::default()
    };
    let mut config = Config::load(None, &overrides).expect("test config");
    config.sandbox_delivery_delay = std::time::Duration::from_millis(20);
    config.callback_secret = bote::config::Secret::new("test-callback-secret");
    tweak(&mut config);
    let app = App::build(config).await.expect("app builds");
    let base = format!("http://{}", app.local_addr());
    let store = app.state().store.clone();
    let sandbox = app.state().sandbox.clone();
    let shutdown = app.shutdown_token();
    tokio::spawn(app.run());

    let account = create_account(store.as_ref(), "acme", AccountKind::Business, None, None)
        .await
        .unwrap();
    let (_, token) = create_token(store.as_ref(), account.id, "test", TokenScope::Full)
        .await
        .unwrap();
    give_whatsapp(store.as_ref(), account.id, HARNESS_WHATSAPP_NUMBER).await;
    TestApp {
        base,
        client: reqwest::Client::new(),
        store,
        account,
        token,
        backend,
        sandbox,
        shutdown,
        _dir: dir,
    }
}

impl TestApp {
    /// Waits until every inbound message stored so far went through keywords and opt-ins:
    /// channels are answered once a message is stored, and its processing follows.
    pub async fn inbound_processed(&self) {
        eventually(10, "the inbound messages processed", || async {
            (self.store.unprocessed_inbound().await.unwrap() == 0).then_some(())
        })
        .await
    }

    /// Stops the app as `bote serve` does on a signal (the SMPP connections unbind).
    pub fn stop(&self) {
        self.shutdown.cancel();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request authenticated as acme's full token.
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(&self.token)
    }

    pub fn req_as(&self, token: &str, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }

    /// Another account with a token of the given scope.
    pub async fn other_account(&self, name: &str, scope: TokenScope) -> (Account, String) {
        let account = create_account(self.store.as_ref(), name, AccountKind::Business, None, None)
            .await
            .unwrap();
        let (_, token) = create_token(self.store.as_ref(), account.id, "t", scope)
            .await
            .unwrap();
        (account, token)
    }

    pub async fn token_for(&self, scope: TokenScope) -> String {
        create_token(self.store.as_ref(), self.account.id, "scoped", scope)
            .await
            .unwrap()
            .1
    }

    pub async fn user(&self, username: &str, password: &str, role: UserRole) {
        let account = (role != UserRole::AccountManager).then_some(self.account.id);
        add_user(
            self.store.as_ref(),
            account,
            username,
            password.into(),
            role,
            None,
        )
        .await
        .unwrap();
    }

    pub async fn post_json(&self, path: &str, body: Value) -> (u16, Value) {
        json_of(
            self.req(Method::POST, path)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        json_of(self.req(Method::GET, path).send().await.unwrap()).await
    }

    pub async fn create_contact(&self, body: Value) -> Value {
        let (status, v) = self.post_json("/api/v1/contacts", body).await;
        assert_eq!(status, 201, "creating contact: {v}");
        v
    }

    pub async fn create_group(&self, code: &str) -> Value {
        let (status, v) = self
            .post_json("/api/v1/groups", serde_json::json!({ "code": code }))
            .await;
        assert_eq!(status, 201, "creating group: {v}");
        v
    }
}

/// acme's WhatsApp business number, which makes its add-on active (R4).
pub const HARNESS_WHATSAPP_NUMBER: &str = "+43800000001";

/// Gives `account` an active WhatsApp add-on (R1): the medium package and a WhatsApp
/// business number (R4), as an account manager would.
pub async fn give_whatsapp(store: &dyn Store, account: bote_domain::AccountId, number: &str) {
    bote::addon::activate(
        store,
        chrono_tz::Europe::Vienna,
        account,
        bote_domain::Package::Medium,
        None,
        false,
    )
    .await
    .expect("activating WhatsApp");
    store
        .add_business_number(
            account,
            bote_store::NewBusinessNumber::plain(bote_domain::ChannelKind::Whatsapp, number),
        )
        .await
        .expect("a WhatsApp business number");
}

/// Polls `check` until it returns `Some`, failing the test after `secs` seconds. For
/// conditions that depend on background work (dispatch, receipts, callbacks).
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {secs}s waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

pub async fn json_of(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

/// Runs each named `async fn name(backend: Backend)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Sqlite).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Postgres).await
                }
            )+
        }
    };
}

/// A send's counts by status, from `GET /api/v1/sends/{id}`.
pub async fn counts_of(app: &TestApp, id: i64) -> Value {
    app.get_json(&format!("/api/v1/sends/{id}")).await.1["counts"].clone()
}

/// Waits until `expected` messages of the send are delivered or undelivered; the counts.
pub async fn wait_final(app: &TestApp, id: i64, expected: u64) -> Value {
    eventually(20, "every message final", || async {
        let counts = counts_of(app, id).await;
        let delivered =
            counts["delivered"].as_u64().unwrap_or(0) + counts["undelivered"].as_u64().unwrap_or(0);
        (delivered == expected).then_some(counts)
    })
    .await
}

/// The numbers of the account's active opt-ins, from `GET /api/v1/optins`.
pub async fn opted_in_numbers(app: &TestApp) -> Vec<String> {
    let (status, page) = app.get_json("/api/v1/optins").await;
    assert_eq!(status, 200, "{page}");
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["number"].as_str().unwrap().to_owned())
        .collect()
}
