//! A local HTTP server that records the callbacks bote POSTs to it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

#[derive(Clone, Debug)]
pub struct Received {
    pub body: serde_json::Value,
    pub signature: Option<String>,
    pub raw: Vec<u8>,
}

#[derive(Clone, Default)]
pub struct Receiver {
    pub received: Arc<Mutex<Vec<Received>>>,
    /// Answer 503 to this many requests first.
    pub fail_first: Arc<Mutex<u32>>,
}

impl Receiver {
    pub async fn start() -> (Receiver, SocketAddr) {
        Self::start_on(0).await
    }

    /// On a given port (0: any free one), e.g. one that refused connections until now.
    pub async fn start_on(port: u16) -> (Receiver, SocketAddr) {
        let receiver = Receiver::default();
        let app = axum::Router::new()
            .route("/cb", post(record))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, addr)
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn record(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    {
        let mut fail = r.fail_first.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    let signature = headers
        .get("x-bote-signature")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    r.received.lock().unwrap().push(Received {
        body: value,
        signature,
        raw: body.to_vec(),
    });
    StatusCode::OK
}
