//! Status webhooks for accepted messages: `sent`, then `delivered`, then (optionally)
//! `read`, each `status_delay` after the one before. One task per status: it waits for
//! the oldest message's time and `webhook_linger` more, takes every message that is due
//! by then (up to `webhook_batch`),
//! posts them batched — one POST per receiver and secret, one `entry` per number, changes
//! of at most [`PER_CHANGE`] statuses — and hands them to the next status's task. A
//! message with a programmed failure gets `failed` (with Meta's `errors`) instead of
//! `delivered`, and nothing after it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::graph_error::known;
use crate::records::Counters;
use crate::state::Shared;
use crate::webhook::{WABA_ID, envelope, metadata};

/// Statuses in one `changes[]` item at most, so a big batch also has several changes.
pub const PER_CHANGE: usize = 25;

/// An accepted message on its way through the statuses.
#[derive(Debug, Clone)]
pub struct Pending {
    pub phone_number_id: Arc<str>,
    pub wamid: String,
    /// Digits, no '+' (Meta's `recipient_id`).
    pub recipient: String,
    /// Ends in `failed` with this code after `sent` (a programmed failure).
    pub fail: Option<i64>,
    pub due: Instant,
}

/// Starts one task per status; returns the sender of the first and the tasks.
pub fn start(
    shared: Arc<Shared>,
    read_receipts: bool,
) -> (mpsc::UnboundedSender<Pending>, Vec<JoinHandle<()>>) {
    let mut names = vec!["sent", "delivered"];
    if read_receipts {
        names.push("read");
    }
    let mut tasks = Vec::new();
    let mut next: Option<mpsc::UnboundedSender<Pending>> = None;
    for name in names.into_iter().rev() {
        let (tx, rx) = mpsc::unbounded_channel();
        tasks.push(tokio::spawn(stage(shared.clone(), name, rx, next.take())));
        next = Some(tx);
    }
    (next.expect("at least one status"), tasks)
}

async fn stage(
    shared: Arc<Shared>,
    status: &'static str,
    mut rx: mpsc::UnboundedReceiver<Pending>,
    next: Option<mpsc::UnboundedSender<Pending>>,
) {
    let max = shared.config.webhook_batch.max(1);
    let mut held: Option<Pending> = None;
    loop {
        let first = match held.take() {
            Some(p) => p,
            None => match rx.recv().await {
                Some(p) => p,
                None => return,
            },
        };
        tokio::time::sleep_until(first.due + shared.config.webhook_linger).await;
        let mut batch = vec![first];
        while batch.len() < max {
            match rx.try_recv() {
                Ok(p) if p.due <= Instant::now() => batch.push(p),
                Ok(p) => {
                    held = Some(p);
                    break;
                }
                Err(_) => break,
            }
        }
        deliver(&shared, status, &batch).await;
        if let Some(next) = &next {
            let due = Instant::now() + shared.config.status_delay;
            for mut p in batch {
                if p.fail.is_some() && status != "sent" {
                    continue;
                }
                p.due = due;
                let _ = next.send(p);
            }
        }
    }
}

/// Posts one batch of one status, grouped by receiver URL and app secret.
async fn deliver(shared: &Shared, status: &'static str, batch: &[Pending]) {
    let Some(webhook) = &shared.webhook else {
        return;
    };
    let ts = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // (url, secret) → number id → statuses; BTreeMap keeps the order stable.
    let mut posts: BTreeMap<(String, &str), BTreeMap<&str, Vec<Value>>> = BTreeMap::new();
    for p in batch {
        let Some(number) = shared.numbers.get(&*p.phone_number_id) else {
            continue;
        };
        posts
            .entry((
                webhook.url_for(&number.phone_number_id),
                number.app_secret.as_str(),
            ))
            .or_default()
            .entry(number.phone_number_id.as_str())
            .or_default()
            .push(status_object(status, p, ts));
    }
    for ((url, secret), numbers) in posts {
        let count: usize = numbers.values().map(Vec::len).sum();
        let entries = numbers
            .into_iter()
            .map(|(id, statuses)| {
                let number = &shared.numbers[id];
                let meta = metadata(&number.display_number, id);
                let changes: Vec<Value> = statuses
                    .chunks(PER_CHANGE)
                    .map(|chunk| {
                        json!({"field": "messages", "value": {
                            "messaging_product": "whatsapp",
                            "metadata": meta,
                            "statuses": chunk,
                        }})
                    })
                    .collect();
                json!({"id": WABA_ID, "changes": changes})
            })
            .collect();
        let body = serde_json::to_vec(&envelope(entries)).expect("JSON serialises");
        let cfg = &shared.config;
        let ok = webhook
            .post_retrying(
                &url,
                secret,
                body,
                cfg.webhook_retry,
                cfg.webhook_attempts,
                &shared.counters,
            )
            .await;
        let counter = if ok {
            &shared.counters.statuses_delivered
        } else {
            &shared.counters.statuses_dropped
        };
        Counters::add(counter, count as u64);
    }
}

/// One `statuses[]` item as Meta sends it.
fn status_object(status: &str, p: &Pending, ts: u64) -> Value {
    if let Some(code) = p.fail.filter(|_| status != "sent") {
        let (title, details) = known(code);
        return json!({
            "id": p.wamid,
            "status": "failed",
            "timestamp": ts.to_string(),
            "recipient_id": p.recipient,
            "errors": [{"code": code, "title": title, "message": title,
                "error_data": {"details": details}}],
        });
    }
    let mut s = json!({
        "id": p.wamid,
        "status": status,
        "timestamp": ts.to_string(),
        "recipient_id": p.recipient,
    });
    if status != "read" {
        let mut conversation = json!({
            "id": format!("CONVERSATION{}", p.recipient),
            "origin": {"type": "service"},
        });
        if status == "sent" {
            conversation["expiration_timestamp"] = (ts + 86_400).to_string().into();
        }
        s["conversation"] = conversation;
        s["pricing"] = json!({"billable": true, "pricing_model": "CBP", "category": "service"});
    }
    s
}
