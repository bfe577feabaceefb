//! Programmed failures: "answer the next N requests with this error", "let the next N
//! accepted messages fail later (a `failed` status)", and recipients that are not on
//! WhatsApp (131026). Checked on every accepted-looking request, so the empty case is one
//! atomic load.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};

use serde::Deserialize;

/// One programmed answer. `code` None: a bare HTTP error without Meta's error body, as a
/// proxy or load balancer would answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Fault {
    pub http_status: u16,
    #[serde(default)]
    pub code: Option<i64>,
    /// Meta's message; a known code gets Meta's own text when None.
    #[serde(default)]
    pub message: Option<String>,
}

impl Fault {
    /// A Graph API error with Meta's body.
    pub fn graph(code: i64, http_status: u16) -> Fault {
        Fault {
            http_status,
            code: Some(code),
            message: None,
        }
    }

    /// A bare HTTP error (500, 502, 429…).
    pub fn http(http_status: u16) -> Fault {
        Fault {
            http_status,
            code: None,
            message: None,
        }
    }
}

/// "The next N get X", several programs in a row, oldest first; the empty case is one
/// atomic load.
pub struct Queue<T> {
    items: Mutex<VecDeque<(u32, T)>>,
    pending: AtomicUsize,
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Queue {
            items: Mutex::new(VecDeque::new()),
            pending: AtomicUsize::new(0),
        }
    }
}

impl<T: Clone> Queue<T> {
    /// The next `count` takes (after those already programmed) give `item`.
    pub fn push(&self, count: u32, item: T) {
        if count == 0 {
            return;
        }
        let mut q = self.items.lock().expect("faults lock");
        q.push_back((count, item));
        self.pending.fetch_add(count as usize, Ordering::Release);
    }

    pub fn take(&self) -> Option<T> {
        if self.pending.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut q = self.items.lock().expect("faults lock");
        let (left, item) = q.front_mut()?;
        let now = item.clone();
        *left -= 1;
        if *left == 0 {
            q.pop_front();
        }
        self.pending.fetch_sub(1, Ordering::Release);
        Some(now)
    }

    /// How many takes still have a programmed item.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }

    pub fn clear(&self) {
        let mut q = self.items.lock().expect("faults lock");
        q.clear();
        self.pending.store(0, Ordering::Release);
    }
}

#[derive(Default)]
pub struct Faults {
    /// Answers to the next valid sends instead of accepting them.
    answers: Queue<Fault>,
    /// Error codes of the next accepted messages: `sent`, then `failed` with that code
    /// instead of `delivered` (Meta reports most delivery errors this way).
    failed_statuses: Queue<i64>,
    not_on_whatsapp: RwLock<HashSet<String>>,
    any_not_on_whatsapp: AtomicBool,
}

impl Faults {
    /// The next `count` valid sends (after those already programmed) answer `fault`.
    pub fn push(&self, count: u32, fault: Fault) {
        self.answers.push(count, fault);
    }

    /// The answer programmed for this request, if any.
    pub fn take(&self) -> Option<Fault> {
        self.answers.take()
    }

    /// How many requests still have a programmed answer.
    pub fn pending(&self) -> usize {
        self.answers.pending()
    }

    /// Clears programmed answers and failed statuses.
    pub fn clear(&self) {
        self.answers.clear();
        self.failed_statuses.clear();
    }

    /// The next `count` accepted messages end in a `failed` status with `code`.
    pub fn push_failed_status(&self, count: u32, code: i64) {
        self.failed_statuses.push(count, code);
    }

    /// The failure programmed for this accepted message, if any.
    pub fn take_failed_status(&self) -> Option<i64> {
        self.failed_statuses.take()
    }

    /// These recipients (E.164, '+' optional) answer 131026 from now on.
    pub fn add_not_on_whatsapp<I: IntoIterator<Item = S>, S: AsRef<str>>(&self, numbers: I) {
        let mut set = self.not_on_whatsapp.write().expect("numbers lock");
        for n in numbers {
            set.insert(n.as_ref().trim_start_matches('+').to_owned());
        }
        self.any_not_on_whatsapp
            .store(!set.is_empty(), Ordering::Release);
    }

    /// `to` as sent (digits, '+' optional).
    pub fn is_not_on_whatsapp(&self, to: &str) -> bool {
        self.any_not_on_whatsapp.load(Ordering::Acquire)
            && self
                .not_on_whatsapp
                .read()
                .expect("numbers lock")
                .contains(to.trim_start_matches('+'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_answer_in_order_then_stop() {
        let f = Faults::default();
        assert_eq!(f.take(), None);
        f.push(2, Fault::graph(131047, 400));
        f.push(1, Fault::http(500));
        f.push(0, Fault::http(429));
        assert_eq!(f.pending(), 3);
        assert_eq!(f.take(), Some(Fault::graph(131047, 400)));
        assert_eq!(f.take(), Some(Fault::graph(131047, 400)));
        assert_eq!(f.take(), Some(Fault::http(500)));
        assert_eq!(f.take(), None);
        assert_eq!(f.pending(), 0);
        f.push(5, Fault::http(502));
        f.push_failed_status(1, 131026);
        f.clear();
        assert_eq!(f.take(), None);
        assert_eq!(f.take_failed_status(), None);
        f.push_failed_status(2, 131026);
        assert_eq!(f.take(), None, "failed statuses are not answers");
        assert_eq!(f.take_failed_status(), Some(131026));
        assert_eq!(f.take_failed_status(), Some(131026));
        assert_eq!(f.take_failed_status(), None);
    }

    #[test]
    fn not_on_whatsapp_ignores_the_plus() {
        let f = Faults::default();
        assert!(!f.is_not_on_whatsapp("4367612345678"));
        f.add_not_on_whatsapp(["+4367612345678"]);
        assert!(f.is_not_on_whatsapp("4367612345678"));
        assert!(f.is_not_on_whatsapp("+4367612345678"));
        assert!(!f.is_not_on_whatsapp("4367600000000"));
    }

    #[test]
    fn faults_come_from_json() {
        let f: Fault = serde_json::from_str(r#"{"http_status":400,"code":131026}"#).unwrap();
        assert_eq!(f, Fault::graph(131026, 400));
        let f: Fault = serde_json::from_str(r#"{"http_status":503}"#).unwrap();
        assert_eq!(f, Fault::http(503));
    }
}
