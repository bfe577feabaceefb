//! The tasks of a session: the writer (batches queued PDUs, flushes once), the reader
//! (matches responses, answers the SMSC's requests) and the enquire_link timer.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_util::codec::Framed;

use super::codec::SmppCodec;
use super::inbound::Inbound;
use super::pdu::{self, Body, Pdu, status};
use super::session::{Link, Out, SessionError, Shared};
use super::tls::Io;

type PduSink = futures::stream::SplitSink<Framed<Box<dyn Io>, SmppCodec>, Pdu>;
type PduStream = futures::stream::SplitStream<Framed<Box<dyn Io>, SmppCodec>>;

pub(super) async fn writer(mut sink: PduSink, mut rx: mpsc::Receiver<Out>, shared: Arc<Shared>) {
    let mut closed = shared.closed_tx.subscribe();
    let reason = loop {
        let first = tokio::select! {
            m = rx.recv() => m,
            _ = closed.wait_for(Option::is_some) => break None,
        };
        let Some(first) = first else { break None };
        let mut close = None;
        let mut failed = None;
        let mut next = Some(first);
        // Write everything queued, then flush once.
        while let Some(m) = next {
            match m {
                Out::Pdu(p) => {
                    if let Err(e) = sink.feed(p).await {
                        failed = Some(format!("write failed: {e}"));
                        break;
                    }
                }
                Out::Close(reason) => {
                    close = Some(reason);
                    break;
                }
            }
            next = rx.try_recv().ok();
        }
        if failed.is_some() {
            break failed;
        }
        if let Err(e) = sink.flush().await {
            break Some(format!("write failed: {e}"));
        }
        if let Some(reason) = close {
            let _ = sink.close().await;
            break Some(reason);
        }
    };
    if let Some(r) = reason {
        shared.close(&r);
    }
}

pub(super) async fn reader(mut stream: PduStream, link: Link, inbound: Arc<Inbound>) {
    let mut closed = link.shared.closed_tx.subscribe();
    let reason = loop {
        let item = tokio::select! {
            i = stream.next() => i,
            _ = closed.wait_for(Option::is_some) => return,
        };
        let pdu = match item {
            None => break "connection closed by the SMSC".to_owned(),
            Some(Err(e)) => break format!("read failed: {e}"),
            Some(Ok(p)) => p,
        };
        if pdu.is_response() {
            let waiter = link
                .shared
                .state
                .lock()
                .expect("session lock")
                .pending
                .remove(&pdu.sequence);
            match waiter {
                Some(w) => {
                    let _ = w.send(pdu);
                }
                None => tracing::debug!(
                    seq = pdu.sequence,
                    id = pdu.command_id,
                    "late or unknown response"
                ),
            }
            continue;
        }
        match pdu.command_id {
            pdu::ENQUIRE_LINK => {
                let _ = link.out.send(Out::Pdu(pdu.empty_resp(0))).await;
            }
            pdu::UNBIND => {
                let _ = link.out.send(Out::Pdu(pdu.empty_resp(0))).await;
                // The writer answers, then closes the session.
                let _ = link
                    .out
                    .send(Out::Close("unbound by the SMSC".into()))
                    .await;
                return;
            }
            pdu::DELIVER_SM => {
                let Body::DeliverSm(sm) = pdu.body else {
                    continue;
                };
                let (out, inbound, seq) = (link.out.clone(), inbound.clone(), pdu.sequence);
                // Answered only once the sink has stored the event.
                tokio::spawn(async move {
                    let status = inbound.handle(&sm).await;
                    let mut resp = Pdu::new(
                        pdu::DELIVER_SM_RESP,
                        seq,
                        Body::SmResp {
                            message_id: String::new(),
                        },
                    );
                    resp.status = status;
                    let _ = out.send(Out::Pdu(resp)).await;
                });
            }
            _ => {
                let mut nack = Pdu::new(pdu::GENERIC_NACK, pdu.sequence, Body::Empty);
                nack.status = status::ESME_RINVCMDID;
                let _ = link.out.send(Out::Pdu(nack)).await;
            }
        }
    };
    link.shared.close(&reason);
}

pub(super) async fn enquire_link(link: Link, every: Duration) {
    if every.is_zero() {
        return;
    }
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tick.tick().await;
        match link.request(pdu::ENQUIRE_LINK, Body::Empty).await {
            Ok(_) => {}
            Err(SessionError::Closed(_)) => return,
            Err(e) => {
                link.shared.close(&format!("enquire_link failed: {e}"));
                return;
            }
        }
    }
}
