//! The SMPP [`SmsChannel`]: keeps a bound session (or a transmitter/receiver pair),
//! reconnects with exponential back-off, publishes its [`ConnectionState`], and maps
//! submit_sm answers onto [`SendOutcome`]s.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::inbound::{Inbound, REASSEMBLY_TIMEOUT};
use super::pdu::{self, Body, status};
use super::session::{BindKind, Session, SessionError};
use super::submit;
use super::url::{BindMode, SmppConfig};
use crate::shared_slots::SlotSource;
use crate::throttle::Throttle;
use crate::{EventSink, OutboundSms, SendOutcome, SmsChannel};

/// Where a connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    Connecting,
    Bound,
    Disconnected {
        since: DateTime<Utc>,
        last_error: String,
    },
}

struct Inner {
    name: String,
    cfg: SmppConfig,
    inbound: Arc<Inbound>,
    throttle: Throttle,
    concat_ref: AtomicU16,
    /// The session submits go to, while bound.
    session: watch::Sender<Option<Arc<Session>>>,
    state: watch::Sender<ConnectionState>,
    shutdown: CancellationToken,
}

/// An SMPP client connection (ESME).
pub struct SmppConnector {
    inner: Arc<Inner>,
    supervisor: Mutex<Option<JoinHandle<()>>>,
}

impl SmppConnector {
    /// Starts connecting in the background; must be called within a Tokio runtime.
    pub fn start(
        name: impl Into<String>,
        cfg: SmppConfig,
        sink: Arc<dyn EventSink>,
    ) -> SmppConnector {
        Self::start_with_slots(name, cfg, sink, None)
    }

    /// Like [`start`](Self::start); with `slots`, the connection's `mps` is shared with
    /// every process that binds the same connection (schedule `smpp:{name}`).
    pub fn start_with_slots(
        name: impl Into<String>,
        cfg: SmppConfig,
        sink: Arc<dyn EventSink>,
        slots: Option<Arc<dyn SlotSource>>,
    ) -> SmppConnector {
        let name = name.into();
        let throttle = match slots {
            Some(source) => Throttle::shared(cfg.mps, source, format!("smpp:{name}")),
            None => Throttle::new(cfg.mps),
        };
        let inner = Arc::new(Inner {
            inbound: Arc::new(Inbound::new(name.clone(), sink, REASSEMBLY_TIMEOUT)),
            name,
            throttle,
            concat_ref: AtomicU16::new(rand_u16()),
            cfg,
            session: watch::Sender::new(None),
            state: watch::Sender::new(ConnectionState::Connecting),
            shutdown: CancellationToken::new(),
        });
        let supervisor = tokio::spawn(supervise(inner.clone()));
        tokio::spawn(flush_expired_parts(inner.clone()));
        SmppConnector {
            inner,
            supervisor: Mutex::new(Some(supervisor)),
        }
    }

    /// The current connection state.
    pub fn state(&self) -> ConnectionState {
        self.inner.state.borrow().clone()
    }

    /// Follows the connection state.
    pub fn watch_state(&self) -> watch::Receiver<ConnectionState> {
        self.inner.state.subscribe()
    }

    /// submit_sm awaiting their response and the window's size; `(0, window)` while unbound.
    pub fn window_use(&self) -> (u32, u32) {
        match self.inner.session.borrow().as_ref() {
            Some(session) => session.window_use(),
            None => (0, self.inner.cfg.window.min(u32::MAX as usize) as u32),
        }
    }

    /// Waits until bound, at most `timeout`; true if bound.
    pub async fn wait_bound(&self, timeout: Duration) -> bool {
        let mut rx = self.inner.state.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|s| *s == ConnectionState::Bound))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Unbinds cleanly (after outstanding submits, within the timeout) and stops
    /// reconnecting. Sends after this answer `Retry`.
    pub async fn close(&self) {
        self.inner.shutdown.cancel();
        let handle = self.supervisor.lock().expect("supervisor lock").take();
        if let Some(h) = handle {
            let _ = h.await;
        }
    }
}

impl Drop for SmppConnector {
    fn drop(&mut self) {
        self.inner.shutdown.cancel();
    }
}

fn rand_u16() -> u16 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    (nanos ^ (nanos >> 16)) as u16
}

async fn connect(inner: &Inner) -> Result<Vec<Arc<Session>>, SessionError> {
    let kinds: &[BindKind] = match inner.cfg.bind {
        BindMode::Transceiver => &[BindKind::Transceiver],
        BindMode::TransmitterReceiver => &[BindKind::Transmitter, BindKind::Receiver],
    };
    let mut sessions: Vec<Arc<Session>> = Vec::new();
    for &kind in kinds {
        match Session::connect(&inner.cfg, kind, inner.inbound.clone()).await {
            Ok(s) => sessions.push(Arc::new(s)),
            Err(e) => {
                // Half a transmitter/receiver pair is no use: unbind what was bound.
                for s in &sessions {
                    s.unbind().await;
                }
                return Err(e);
            }
        }
    }
    Ok(sessions)
}

/// Delivers timed-out incomplete concatenated MO messages even when no further MO
/// arrives.
async fn flush_expired_parts(inner: Arc<Inner>) {
    let every = (REASSEMBLY_TIMEOUT / 10).max(Duration::from_secs(1));
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = tick.tick() => inner.inbound.flush_expired().await,
            _ = inner.shutdown.cancelled() => return,
        }
    }
}

async fn supervise(inner: Arc<Inner>) {
    let cfg = &inner.cfg;
    let mut backoff = cfg.reconnect_min;
    loop {
        inner.state.send_replace(ConnectionState::Connecting);
        let attempt = tokio::select! {
            r = connect(&inner) => r,
            _ = inner.shutdown.cancelled() => break,
        };
        let last_error = match attempt {
            Ok(sessions) => {
                backoff = cfg.reconnect_min;
                inner.session.send_replace(Some(sessions[0].clone()));
                inner.state.send_replace(ConnectionState::Bound);
                let any_closed =
                    futures::future::select_all(sessions.iter().map(|s| Box::pin(s.closed())));
                let reason = tokio::select! {
                    (reason, _, _) = any_closed => Some(reason),
                    _ = inner.shutdown.cancelled() => None,
                };
                inner.session.send_replace(None);
                match reason {
                    Some(r) => {
                        for s in &sessions {
                            s.unbind().await;
                        }
                        r
                    }
                    None => {
                        futures::future::join_all(sessions.iter().map(|s| s.unbind())).await;
                        break;
                    }
                }
            }
            Err(e) => e.to_string(),
        };
        tracing::warn!(connection = %inner.name, error = %last_error, retry_in = ?backoff, "SMPP disconnected");
        inner.state.send_replace(ConnectionState::Disconnected {
            since: Utc::now(),
            last_error,
        });
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = inner.shutdown.cancelled() => break,
        }
        backoff = (backoff * 2).min(cfg.reconnect_max);
    }
    inner.session.send_replace(None);
    inner.state.send_replace(ConnectionState::Disconnected {
        since: Utc::now(),
        last_error: "closed".into(),
    });
}

impl Inner {
    async fn bound_session(&self) -> Option<Arc<Session>> {
        let mut rx = self.session.subscribe();
        if self.shutdown.is_cancelled() {
            return None;
        }
        let wait = rx.wait_for(|s| s.as_ref().is_some_and(|s| !s.is_closed()));
        tokio::select! {
            r = tokio::time::timeout(self.cfg.timeout, wait) => match r {
                Ok(Ok(s)) => s.clone(),
                _ => None,
            },
            _ = self.shutdown.cancelled() => None,
        }
    }
}

#[async_trait::async_trait]
impl SmsChannel for SmppConnector {
    fn name(&self) -> &str {
        &self.inner.name
    }

    fn rate(&self) -> u32 {
        self.inner.cfg.mps
    }

    async fn send(&self, sms: &OutboundSms) -> SendOutcome {
        let inner = &self.inner;
        let reference = inner.concat_ref.fetch_add(1, Ordering::Relaxed);
        let parts = match submit::build(sms, inner.cfg.concat, reference) {
            Ok(p) => p,
            Err(reason) => return SendOutcome::Failed { reason },
        };
        let Some(session) = inner.bound_session().await else {
            return SendOutcome::Retry {
                reason: "SMPP connection not bound".into(),
                after: Some(inner.cfg.reconnect_min),
            };
        };
        let total = parts.len();
        let mut provider_ids = Vec::with_capacity(total);
        for (i, part) in parts.into_iter().enumerate() {
            inner.throttle.acquire().await;
            let resp = match session.submit(part).await {
                Ok(r) => r,
                Err(e @ SessionError::Timeout(_)) => {
                    return SendOutcome::Retry {
                        reason: format!("submit_sm: {e}"),
                        after: None,
                    };
                }
                Err(e) => {
                    return SendOutcome::Retry {
                        reason: format!("submit_sm: {e}"),
                        after: Some(inner.cfg.reconnect_min),
                    };
                }
            };
            match (resp.status, resp.body) {
                (status::ESME_ROK, Body::SmResp { message_id })
                    if resp.command_id == pdu::SUBMIT_SM_RESP =>
                {
                    inner.throttle.accepted();
                    provider_ids.push(message_id);
                }
                (status::ESME_RTHROTTLED | status::ESME_RMSGQFUL, _) => {
                    let after = inner.throttle.throttled();
                    return SendOutcome::Retry {
                        reason: format!(
                            "SMSC answered {} (part {}/{total})",
                            status::name(resp.status),
                            i + 1
                        ),
                        after: Some(after),
                    };
                }
                (code, _) => {
                    let what = if resp.command_id == pdu::GENERIC_NACK {
                        "generic_nack"
                    } else {
                        "submit_sm_resp"
                    };
                    return SendOutcome::Rejected {
                        code: status::name(code),
                        reason: format!("SMSC refused part {}/{total} ({what})", i + 1),
                    };
                }
            }
        }
        SendOutcome::Accepted { provider_ids }
    }
}
