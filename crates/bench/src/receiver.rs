//! The callback receiver: takes bote's delivery reports (websms form), counts each message
//! once by (transferId, senderAddress), and notes when the last one came.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde::Deserialize;

/// What came in so far.
#[derive(Default)]
pub struct Received {
    seen: Mutex<HashSet<(u64, u64)>>,
    /// Messages with a report (each counted once).
    pub unique: AtomicU64,
    /// Reports for a message that already had one.
    pub duplicates: AtomicU64,
    /// Unique reports whose status is not `delivered`.
    pub not_delivered: AtomicU64,
    /// Bodies that are not a delivery report.
    pub bad: AtomicU64,
    /// When the receiver started; `last` counts from here.
    epoch: OnceLock<Instant>,
    last_nanos: AtomicU64,
}

impl Received {
    fn epoch(&self) -> Instant {
        *self.epoch.get_or_init(Instant::now)
    }

    /// When the latest new report arrived.
    pub fn last(&self) -> Option<Instant> {
        match self.last_nanos.load(Ordering::Acquire) {
            0 => None,
            n => Some(self.epoch() + Duration::from_nanos(n)),
        }
    }

    pub fn unique(&self) -> u64 {
        self.unique.load(Ordering::Acquire)
    }

    fn take(&self, body: &[u8]) -> bool {
        let Ok(report) = serde_json::from_slice::<Report>(body) else {
            return false;
        };
        let (Ok(send), Ok(number)) = (
            u64::from_str_radix(report.transfer_id, 16),
            report.sender_address.parse::<u64>(),
        ) else {
            return false;
        };
        if report.message_type != "deliveryReport" {
            return false;
        }
        let new = self
            .seen
            .lock()
            .expect("not poisoned")
            .insert((send, number));
        if !new {
            self.duplicates.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        if report.status != "delivered" {
            self.not_delivered.fetch_add(1, Ordering::Relaxed);
        }
        let at = self.epoch().elapsed().as_nanos().max(1) as u64;
        self.last_nanos.fetch_max(at, Ordering::AcqRel);
        self.unique.fetch_add(1, Ordering::AcqRel);
        true
    }
}

#[derive(Deserialize)]
struct Report<'a> {
    #[serde(rename = "messageType")]
    message_type: &'a str,
    #[serde(rename = "transferId")]
    transfer_id: &'a str,
    #[serde(rename = "senderAddress")]
    sender_address: &'a str,
    #[serde(rename = "deliveryReportMessageStatus")]
    status: &'a str,
}

async fn callback(State(received): State<Arc<Received>>, body: Bytes) -> StatusCode {
    if received.take(&body) {
        StatusCode::OK
    } else {
        received.bad.fetch_add(1, Ordering::Relaxed);
        StatusCode::BAD_REQUEST
    }
}

/// Starts a receiver on a free local port; reports go to `http://<addr>/callback`.
pub async fn start() -> anyhow::Result<(Arc<Received>, SocketAddr)> {
    let received = Arc::new(Received::default());
    received.epoch();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route("/callback", post(callback))
        .with_state(received.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((received, addr))
}
