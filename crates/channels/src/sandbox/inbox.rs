//! The sandbox phone's memory: the last messages each number received.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Numbers remembered at most; the least recently written number is forgotten first.
const MAX_NUMBERS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxEntry {
    pub provider_id: String,
    pub from: Option<String>,
    pub text: String,
    pub received_at: DateTime<Utc>,
}

pub struct Inbox {
    per_number: usize,
    numbers: Mutex<HashMap<String, (u64, VecDeque<InboxEntry>)>>,
    clock: std::sync::atomic::AtomicU64,
}

impl Inbox {
    pub fn new(per_number: usize) -> Self {
        Self {
            per_number: per_number.max(1),
            numbers: Mutex::default(),
            clock: Default::default(),
        }
    }

    pub fn record(&self, to: &str, from: Option<String>, text: String, provider_id: &str) {
        let tick = self
            .clock
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let entry = InboxEntry {
            provider_id: provider_id.to_owned(),
            from,
            text,
            received_at: Utc::now(),
        };
        let mut numbers = self.numbers.lock().expect("inbox lock");
        if numbers.len() >= MAX_NUMBERS
            && !numbers.contains_key(to)
            && let Some(oldest) = numbers
                .iter()
                .min_by_key(|(_, (t, _))| *t)
                .map(|(k, _)| k.clone())
        {
            numbers.remove(&oldest);
        }
        let (last, list) = numbers.entry(to.to_owned()).or_default();
        *last = tick;
        if list.len() == self.per_number {
            list.pop_front();
        }
        list.push_back(entry);
    }

    /// Messages to `number` (E.164), oldest first.
    pub fn messages(&self, number: &str) -> Vec<InboxEntry> {
        let numbers = self.numbers.lock().expect("inbox lock");
        numbers
            .get(number)
            .map(|(_, l)| l.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Numbers that received something, most recent first.
    pub fn numbers(&self) -> Vec<String> {
        let numbers = self.numbers.lock().expect("inbox lock");
        let mut all: Vec<_> = numbers.iter().map(|(n, (t, _))| (*t, n.clone())).collect();
        all.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
        all.into_iter().map(|(_, n)| n).collect()
    }
}
