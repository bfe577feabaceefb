//! Login attempts per client address and per user name, counted in one-minute windows, so
//! that guessing passwords is slow for one attacker and for many attackers on one name.

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::fixed_windows::FixedWindows;

/// Attempts allowed per key and window.
pub const LOGIN_ATTEMPTS: u32 = 10;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(60);

pub struct LoginLimiter {
    by_ip: Mutex<FixedWindows<IpAddr>>,
    by_name: Mutex<FixedWindows<String>>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter {
            by_ip: Mutex::new(FixedWindows::new(LOGIN_ATTEMPTS, LOGIN_WINDOW)),
            by_name: Mutex::new(FixedWindows::new(LOGIN_ATTEMPTS, LOGIN_WINDOW)),
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
        let mut w = FixedWindows::new(LOGIN_ATTEMPTS, LOGIN_WINDOW);
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
