//! Helpers for the Cloud API tests: the Graph API stand-in with one or two numbers, a
//! client pointed at it, messages, and a webhook receiver that records what arrives.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use bote_channels::whatsapp_cloud::{CloudApi, CloudConfig, CloudNumber};
use bote_channels::{OutboundWhatsapp, WhatsappContent};
use bote_domain::PhoneNumber;
use bote_graph_standin::{GraphStandin, StandinConfig, StandinHandle, StandinNumber};
use tokio::sync::Notify;
use tokio::time::Instant;

pub const ID: &str = "106540352242922";
pub const TOKEN: &str = "EAAG-test-token-ZDZD";
pub const SECRET: &str = "app-secret-1";
pub const OTHER_ID: &str = "206540352242923";
pub const OTHER_TOKEN: &str = "EAAG-other-token";
pub const OTHER_SECRET: &str = "app-secret-2";
pub const TO: &str = "+4367612345678";

pub fn install_tls() {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
}

pub fn standin_numbers() -> Vec<StandinNumber> {
    vec![
        StandinNumber {
            phone_number_id: ID.into(),
            access_token: TOKEN.into(),
            app_secret: SECRET.into(),
            display_number: "+43800100100".into(),
        },
        StandinNumber {
            phone_number_id: OTHER_ID.into(),
            access_token: OTHER_TOKEN.into(),
            app_secret: OTHER_SECRET.into(),
            display_number: "+43800100200".into(),
        },
    ]
}

pub async fn standin(config: StandinConfig) -> StandinHandle {
    install_tls();
    GraphStandin::start(StandinConfig {
        numbers: standin_numbers(),
        ..config
    })
    .await
    .expect("stand-in starts")
}

pub fn api(standin: &StandinHandle) -> CloudApi {
    install_tls();
    CloudApi::new(CloudConfig {
        base_url: standin.base_url(),
        api_version: "v21.0".into(),
        timeout: Duration::from_secs(5),
    })
    .expect("client builds")
}

pub fn number(mps: u32) -> CloudNumber {
    CloudNumber {
        phone_number_id: ID.into(),
        access_token: TOKEN.into(),
        messages_per_second: mps,
    }
}

pub fn message(id: i64, content: WhatsappContent) -> OutboundWhatsapp {
    OutboundWhatsapp {
        message_id: id,
        to: PhoneNumber::from_e164_unchecked(TO),
        from: None,
        content,
    }
}

pub fn text(id: i64, body: &str) -> OutboundWhatsapp {
    message(id, WhatsappContent::Text { body: body.into() })
}

/// One POST the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// The `{phone_number_id}` part of the path.
    pub path_id: String,
    pub signature: Option<String>,
    pub body: Bytes,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("webhook body is JSON")
    }
}

/// A local webhook receiver at `/hook/{phone_number_id}`; answers 500 to the first
/// `fail_first` POSTs, then 200.
pub struct Receiver {
    pub addr: SocketAddr,
    inner: Arc<ReceiverState>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct ReceiverState {
    got: Mutex<Vec<Received>>,
    refused: Mutex<Vec<Received>>,
    fail_first: AtomicU32,
    added: Notify,
}

impl Receiver {
    pub async fn start(fail_first: u32) -> Receiver {
        let inner = Arc::new(ReceiverState {
            fail_first: AtomicU32::new(fail_first),
            ..ReceiverState::default()
        });
        let app = axum::Router::new()
            .route("/hook/{id}", axum::routing::post(receive).get(verify))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { addr, inner, task }
    }

    /// The stand-in's `webhook_url`.
    pub fn url(&self) -> String {
        format!("http://{}/hook/{{phone_number_id}}", self.addr)
    }

    /// POSTs answered 200.
    pub fn received(&self) -> Vec<Received> {
        self.inner.got.lock().unwrap().clone()
    }

    /// POSTs answered 500.
    pub fn refused(&self) -> Vec<Received> {
        self.inner.refused.lock().unwrap().clone()
    }

    /// Waits until `done` holds for what was received (or panics after 10 s).
    pub async fn wait_until(&self, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.inner.added.notified();
            let got = self.received();
            if done(&got) {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "webhooks did not arrive: {got:?}"
            );
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(
    State(s): State<Arc<ReceiverState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let r = Received {
        path_id: id,
        signature: headers
            .get("x-hub-signature-256")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body,
    };
    let refuse = s
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if refuse {
        s.refused.lock().unwrap().push(r);
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    s.got.lock().unwrap().push(r);
    s.added.notify_waiters();
    StatusCode::OK
}

/// The receiver's verify token.
pub const VERIFY_TOKEN: &str = "verify-me";

/// Meta's handshake as bote answers it: the challenge back when the token matches.
async fn verify(
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> (StatusCode, String) {
    let get = |k: &str| q.get(k).map(String::as_str);
    if get("hub.mode") == Some("subscribe") && get("hub.verify_token") == Some(VERIFY_TOKEN) {
        (
            StatusCode::OK,
            get("hub.challenge").unwrap_or_default().to_owned(),
        )
    } else {
        (StatusCode::FORBIDDEN, String::new())
    }
}

/// Every `statuses[]` item in the received POSTs: (number id, wamid, status).
pub fn statuses(got: &[Received]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for r in got {
        let v = r.json();
        for entry in v["entry"].as_array().unwrap() {
            for change in entry["changes"].as_array().unwrap() {
                let value = &change["value"];
                let id = value["metadata"]["phone_number_id"].as_str().unwrap();
                for s in value["statuses"].as_array().into_iter().flatten() {
                    out.push((
                        id.to_owned(),
                        s["id"].as_str().unwrap().to_owned(),
                        s["status"].as_str().unwrap().to_owned(),
                    ));
                }
            }
        }
    }
    out
}
