//! Limits on API callers (the JSON API and the websms API):
//! - failed authentications per client address, so guessing credentials is slow and a
//!   flood of wrong passwords cannot keep the cores busy with argon2: after
//!   `auth_failures_per_minute` wrong credentials (missing ones are not counted) an
//!   address is refused without checking anything until its minute ends;
//! - requests per account and second (`api_requests_per_second`, 0 = no limit), so one
//!   tenant cannot starve the others.

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bote_domain::AccountId;

use crate::rate_limit::Windows;

/// Why a caller is held off, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    /// Too many failed authentications from this address.
    Failures(Duration),
    /// The account made too many requests this second.
    Requests(Duration),
}

impl Limited {
    /// Whole seconds to wait, at least 1 (for `Retry-After`).
    pub fn retry_after_secs(self) -> u64 {
        let (Limited::Failures(d) | Limited::Requests(d)) = self;
        d.as_secs_f64().ceil().max(1.0) as u64
    }
}

pub struct ApiLimits {
    failures: Mutex<Windows<IpAddr>>,
    requests: Option<Mutex<Windows<AccountId>>>,
}

impl ApiLimits {
    pub fn new(requests_per_second: u32, failures_per_minute: u32) -> Self {
        ApiLimits {
            failures: Mutex::new(Windows::new(failures_per_minute, Duration::from_secs(60))),
            requests: (requests_per_second > 0)
                .then(|| Mutex::new(Windows::new(requests_per_second, Duration::from_secs(1)))),
        }
    }

    /// Before credentials are checked: is this address held off for its failures?
    pub fn before_auth(&self, ip: Option<IpAddr>) -> Result<(), Limited> {
        let Some(ip) = ip else { return Ok(()) };
        self.failures
            .lock()
            .expect("limits lock")
            .check(ip, Instant::now())
            .map_err(Limited::Failures)
    }

    /// Counts a failed authentication from `ip`.
    pub fn failed(&self, ip: Option<IpAddr>) {
        if let Some(ip) = ip {
            let _ = self
                .failures
                .lock()
                .expect("limits lock")
                .hit(ip, Instant::now());
        }
    }

    /// Counts a request of `account`.
    pub fn request(&self, account: AccountId) -> Result<(), Limited> {
        let Some(requests) = &self.requests else {
            return Ok(());
        };
        requests
            .lock()
            .expect("limits lock")
            .hit(account, Instant::now())
            .map_err(Limited::Requests)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_held_off_after_its_failures_and_others_are_not() {
        let limits = ApiLimits::new(0, 30);
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        for _ in 0..30 {
            assert_eq!(limits.before_auth(ip), Ok(()));
            limits.failed(ip);
        }
        let held = limits.before_auth(ip).unwrap_err();
        assert!(matches!(held, Limited::Failures(_)));
        assert!((59..=60).contains(&held.retry_after_secs()));
        assert_eq!(
            limits.before_auth(Some(IpAddr::from([10, 0, 0, 2]))),
            Ok(())
        );
        assert_eq!(limits.before_auth(None), Ok(()), "no address, no limit");
    }

    #[test]
    fn requests_per_account_and_second_when_configured() {
        let limits = ApiLimits::new(2, 30);
        let (a, b) = (AccountId(1), AccountId(2));
        assert_eq!(limits.request(a), Ok(()));
        assert_eq!(limits.request(a), Ok(()));
        let held = limits.request(a).unwrap_err();
        assert!(matches!(held, Limited::Requests(_)));
        assert_eq!(held.retry_after_secs(), 1);
        assert_eq!(limits.request(b), Ok(()));
        let unlimited = ApiLimits::new(0, 30);
        for _ in 0..10_000 {
            assert_eq!(unlimited.request(a), Ok(()));
        }
    }
}
