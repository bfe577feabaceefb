//! One bound SMPP connection: bind, a writer and a reader task, requests matched to
//! responses by sequence number with a timeout, a window of outstanding submit_sm,
//! enquire_link both ways, the SMSC's unbind, and generic_nack for unknown commands.
//!
//! A session never reconnects: once closed (by either side, a socket error or an
//! unanswered enquire_link) it stays closed, every request still waiting fails with
//! [`SessionError::Closed`], and the connector binds a new one.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_util::codec::Framed;

use super::codec::SmppCodec;
use super::inbound::Inbound;
use super::pdu::{self, Bind, Body, Pdu, ShortMessage, status};
use super::session_tasks::{enquire_link, reader, writer};
use super::tls::{self, Io};
use super::url::SmppConfig;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("connection closed: {0}")]
    Closed(String),
    #[error("no response within {0:?}")]
    Timeout(Duration),
    #[error("connect failed: {0}")]
    Connect(String),
    #[error("bind refused: {0}")]
    BindRefused(String),
}

/// Which bind a session makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindKind {
    Transceiver,
    Transmitter,
    Receiver,
}

impl BindKind {
    fn command_id(self) -> u32 {
        match self {
            BindKind::Transceiver => pdu::BIND_TRANSCEIVER,
            BindKind::Transmitter => pdu::BIND_TRANSMITTER,
            BindKind::Receiver => pdu::BIND_RECEIVER,
        }
    }
}

pub(super) enum Out {
    Pdu(Pdu),
    /// Write what is queued, then close for the reason given.
    Close(String),
}

#[derive(Default)]
pub(super) struct State {
    pub(super) pending: HashMap<u32, oneshot::Sender<Pdu>>,
    pub(super) closed: Option<String>,
}

/// What the tasks of a session share.
pub(super) struct Shared {
    pub(super) state: Mutex<State>,
    pub(super) closed_tx: watch::Sender<Option<String>>,
    seq: AtomicU32,
    pub(super) timeout: Duration,
}

impl Shared {
    fn next_seq(&self) -> u32 {
        loop {
            let s = self.seq.fetch_add(1, Ordering::Relaxed) & 0x7FFF_FFFF;
            if s != 0 {
                return s;
            }
        }
    }

    /// Marks the session closed and fails every waiting request (their senders drop).
    pub(super) fn close(&self, reason: &str) {
        let drained = {
            let mut st = self.state.lock().expect("session lock");
            if st.closed.is_some() {
                return;
            }
            st.closed = Some(reason.to_owned());
            std::mem::take(&mut st.pending)
        };
        drop(drained);
        tracing::info!(reason, "SMPP session closed");
        self.closed_tx.send_replace(Some(reason.to_owned()));
    }

    fn closed_reason(&self) -> Option<String> {
        self.state.lock().expect("session lock").closed.clone()
    }
}

/// A handle to send requests on a session; cheap to clone.
#[derive(Clone)]
pub(super) struct Link {
    pub(super) shared: Arc<Shared>,
    pub(super) out: mpsc::Sender<Out>,
}

impl Link {
    pub(super) async fn request(&self, command_id: u32, body: Body) -> Result<Pdu, SessionError> {
        let seq = self.shared.next_seq();
        let (tx, rx) = oneshot::channel();
        {
            let mut st = self.shared.state.lock().expect("session lock");
            if let Some(r) = &st.closed {
                return Err(SessionError::Closed(r.clone()));
            }
            st.pending.insert(seq, tx);
        }
        let forget = || {
            self.shared
                .state
                .lock()
                .expect("session lock")
                .pending
                .remove(&seq);
        };
        if self
            .out
            .send(Out::Pdu(Pdu::new(command_id, seq, body)))
            .await
            .is_err()
        {
            forget();
            return Err(self.closed_error());
        }
        match tokio::time::timeout(self.shared.timeout, rx).await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(_)) => Err(self.closed_error()),
            Err(_) => {
                forget();
                Err(SessionError::Timeout(self.shared.timeout))
            }
        }
    }

    fn closed_error(&self) -> SessionError {
        SessionError::Closed(
            self.shared
                .closed_reason()
                .unwrap_or_else(|| "writer stopped".into()),
        )
    }
}

/// One bound connection.
pub struct Session {
    link: Link,
    window: Arc<Semaphore>,
    window_size: u32,
    closed_rx: watch::Receiver<Option<String>>,
    tasks: Vec<JoinHandle<()>>,
}

async fn bind(
    framed: &mut Framed<Box<dyn Io>, SmppCodec>,
    cfg: &SmppConfig,
    kind: BindKind,
) -> Result<String, SessionError> {
    let bind = Bind {
        system_id: cfg.system_id.clone(),
        password: cfg.password().to_owned(),
        system_type: cfg.system_type.clone(),
        interface_version: 0x34,
        addr_ton: 0,
        addr_npi: 0,
        address_range: String::new(),
    };
    let closed = |e: String| SessionError::Closed(e);
    framed
        .send(Pdu::new(kind.command_id(), 1, Body::Bind(bind)))
        .await
        .map_err(|e| closed(e.to_string()))?;
    loop {
        let pdu = framed
            .next()
            .await
            .ok_or_else(|| closed("SMSC closed the connection during bind".into()))?
            .map_err(|e| closed(e.to_string()))?;
        if pdu.sequence == 1 && pdu.is_response() {
            if pdu.status != status::ESME_ROK {
                return Err(SessionError::BindRefused(status::name(pdu.status)));
            }
            return Ok(match pdu.body {
                Body::BindResp { system_id } => system_id,
                _ => String::new(),
            });
        }
        if pdu.command_id == pdu::ENQUIRE_LINK {
            let _ = framed.send(pdu.empty_resp(0)).await;
        }
    }
}

impl Session {
    /// Connects and binds; the whole within the configured timeout.
    pub async fn connect(
        cfg: &SmppConfig,
        kind: BindKind,
        inbound: Arc<Inbound>,
    ) -> Result<Session, SessionError> {
        let attempt = async {
            let tcp = TcpStream::connect((cfg.host.as_str(), cfg.port))
                .await
                .map_err(|e| SessionError::Connect(e.to_string()))?;
            let _ = tcp.set_nodelay(true);
            let io: Box<dyn Io> = if cfg.tls {
                let tls_cfg =
                    tls::client_config(cfg.ca_file.as_deref()).map_err(SessionError::Connect)?;
                tls::connect(tls_cfg, &cfg.host, tcp)
                    .await
                    .map_err(SessionError::Connect)?
            } else {
                Box::new(tcp)
            };
            let mut framed = Framed::new(io, SmppCodec);
            let smsc = bind(&mut framed, cfg, kind).await?;
            Ok::<_, SessionError>((framed, smsc))
        };
        let (framed, smsc) = tokio::time::timeout(cfg.timeout, attempt)
            .await
            .map_err(|_| SessionError::Timeout(cfg.timeout))??;
        tracing::info!(host = %cfg.host, port = cfg.port, ?kind, smsc, "SMPP bound");

        let (closed_tx, closed_rx) = watch::channel(None);
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            closed_tx,
            seq: AtomicU32::new(2),
            timeout: cfg.timeout,
        });
        let (out_tx, out_rx) = mpsc::channel(1024);
        let link = Link {
            shared: shared.clone(),
            out: out_tx,
        };
        let (sink, stream) = framed.split();
        let tasks = vec![
            tokio::spawn(writer(sink, out_rx, shared.clone())),
            tokio::spawn(reader(stream, link.clone(), inbound)),
            tokio::spawn(enquire_link(link.clone(), cfg.enquire_link)),
        ];
        let window_size = cfg.window.min(Semaphore::MAX_PERMITS) as u32;
        Ok(Session {
            link,
            window: Arc::new(Semaphore::new(window_size as usize)),
            window_size,
            closed_rx,
            tasks,
        })
    }

    /// submit_sm awaiting their response, and the window's size.
    pub fn window_use(&self) -> (u32, u32) {
        let free = self
            .window
            .available_permits()
            .min(self.window_size as usize) as u32;
        (self.window_size - free, self.window_size)
    }

    /// Sends a submit_sm within the window and returns its response (which may carry
    /// an error status).
    pub async fn submit(&self, sm: ShortMessage) -> Result<Pdu, SessionError> {
        let _permit = self
            .window
            .acquire()
            .await
            .map_err(|_| SessionError::Closed("session closed".into()))?;
        self.link
            .request(pdu::SUBMIT_SM, Body::SubmitSm(Box::new(sm)))
            .await
    }

    pub fn is_closed(&self) -> bool {
        self.closed_rx.borrow().is_some()
    }

    /// Waits until the session is closed and says why.
    pub async fn closed(&self) -> String {
        let mut rx = self.closed_rx.clone();
        match rx.wait_for(Option::is_some).await {
            Ok(r) => r.clone().unwrap_or_default(),
            Err(_) => "session gone".into(),
        }
    }

    /// Unbinds cleanly: waits (within the timeout) for outstanding submits, sends
    /// unbind, waits for unbind_resp, closes.
    pub async fn unbind(&self) {
        if self.is_closed() {
            return;
        }
        let timeout = self.link.shared.timeout;
        let drained =
            tokio::time::timeout(timeout, self.window.acquire_many(self.window_size)).await;
        if let Err(e) = self.link.request(pdu::UNBIND, Body::Empty).await {
            tracing::debug!(error = %e, "unbind not answered");
        }
        drop(drained);
        let reason = "unbound by bote".to_owned();
        if self.link.out.send(Out::Close(reason.clone())).await.is_ok() {
            // The writer closes the session once the socket is shut down.
            let _ = tokio::time::timeout(timeout, self.closed()).await;
        }
        self.link.shared.close(&reason);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.link.shared.close("session dropped");
        self.window.close();
        for t in &self.tasks {
            t.abort();
        }
    }
}
