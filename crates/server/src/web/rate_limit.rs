//! Login attempts per client address and per user name, counted in one-minute windows, so
//! that guessing passwords is slow for one attacker and for many attackers on one name.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Attempts allowed per key and window.
pub const LOGIN_ATTEMPTS: u32 = 10;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(60);

/// Windows kept before old ones are dropped; bounds memory under a flood of new keys.
const MAX_KEYS: usize = 100_000;

struct Windows<K> {
    counts: HashMap<K, (Instant, u32)>,
}

impl<K: Hash + Eq> Windows<K> {
    /// Counts one attempt for `key`; false when it is over the limit.
    fn hit(&mut self, key: K, now: Instant) -> bool {
        if self.counts.len() >= MAX_KEYS {
            self.counts
                .retain(|_, (start, _)| now.duration_since(*start) < LOGIN_WINDOW);
            if self.counts.len() >= MAX_KEYS {
                self.counts.clear();
            }
        }
        let entry = self.counts.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= LOGIN_WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= LOGIN_ATTEMPTS
    }
}

pub struct LoginLimiter {
    by_ip: Mutex<Windows<IpAddr>>,
    by_name: Mutex<Windows<String>>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter {
            by_ip: Mutex::new(Windows {
                counts: HashMap::new(),
            }),
            by_name: Mutex::new(Windows {
                counts: HashMap::new(),
            }),
        }
    }
}

impl LoginLimiter {
    /// Counts an attempt from `ip` for `username`; false when either is over its limit.
    pub fn allow(&self, ip: Option<IpAddr>, username: &str) -> bool {
        let now = Instant::now();
        let ip_ok = ip.is_none_or(|ip| self.by_ip.lock().expect("limiter lock").hit(ip, now));
        let name_ok = self
            .by_name
            .lock()
            .expect("limiter lock")
            .hit(username.trim().to_lowercase(), now);
        ip_ok && name_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eleventh_attempt_in_a_minute_is_refused_and_the_next_window_allows_again() {
        let mut w = Windows {
            counts: HashMap::new(),
        };
        let start = Instant::now();
        for _ in 0..LOGIN_ATTEMPTS {
            assert!(w.hit("anna", start));
        }
        assert!(!w.hit("anna", start + Duration::from_secs(30)));
        assert!(w.hit("bert", start), "other keys are not affected");
        assert!(w.hit("anna", start + LOGIN_WINDOW));
    }

    #[test]
    fn names_are_limited_across_addresses() {
        let limiter = LoginLimiter::default();
        for i in 0..LOGIN_ATTEMPTS {
            let ip = IpAddr::from([10, 0, 0, i as u8]);
            assert!(limiter.allow(Some(ip), "Anna"));
        }
        assert!(!limiter.allow(Some(IpAddr::from([10, 0, 1, 1])), "anna "));
    }
}
