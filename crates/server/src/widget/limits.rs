//! Abuse limits of the widget: requests per visitor address and SMS per number, each in
//! fixed windows. A visitor over the address limit is told to wait; a number over its
//! limit gets no further SMS, but the visitor sees the same answer as always, so the
//! widget cannot be used to bomb a number nor to learn anything about it.

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bote_domain::PhoneNumber;

use crate::rate_limit::Windows;

/// Requests one address may make per [`WINDOW`].
pub const PER_IP: u32 = 10;
/// SMS one number may get per [`WINDOW`].
pub const PER_NUMBER: u32 = 3;
pub const WINDOW: Duration = Duration::from_secs(3600);

/// The limits of every widget of this server (an address is limited across widgets; a
/// number per account, so two businesses' widgets do not share a number's budget).
pub struct WidgetLimiter {
    by_ip: Mutex<Windows<IpAddr>>,
    by_number: Mutex<Windows<(i64, String)>>,
}

impl Default for WidgetLimiter {
    fn default() -> Self {
        Self::new(PER_IP, PER_NUMBER, WINDOW)
    }
}

impl WidgetLimiter {
    pub fn new(per_ip: u32, per_number: u32, window: Duration) -> Self {
        WidgetLimiter {
            by_ip: Mutex::new(Windows::new(per_ip, window)),
            by_number: Mutex::new(Windows::new(per_number, window)),
        }
    }

    /// Counts a request from `ip`; false when the address is over its limit.
    pub fn allow_ip(&self, ip: Option<IpAddr>) -> bool {
        ip.is_none_or(|ip| {
            self.by_ip
                .lock()
                .expect("widget limiter lock")
                .hit(ip, Instant::now())
                .is_ok()
        })
    }

    /// Counts an SMS to `number` for `account`; false when the number is over its limit.
    pub fn allow_number(&self, account: bote_domain::AccountId, number: &PhoneNumber) -> bool {
        self.by_number
            .lock()
            .expect("widget limiter lock")
            .hit((account.0, number.as_str().to_owned()), Instant::now())
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bote_domain::AccountId;

    #[test]
    fn numbers_are_limited_per_account() {
        let limiter = WidgetLimiter::new(100, 1, WINDOW);
        let n = PhoneNumber::from_e164_unchecked("+436641234567");
        assert!(limiter.allow_number(AccountId(1), &n));
        assert!(!limiter.allow_number(AccountId(1), &n));
        assert!(limiter.allow_number(AccountId(2), &n));
    }
}
