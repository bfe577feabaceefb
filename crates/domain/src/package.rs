//! The WhatsApp add-on's packages (R1–R3) and what each allows, as data.

use chrono::{DateTime, TimeZone, Utc};

use crate::account::string_enum;
use crate::working_days::add_working_days;

string_enum!(
    /// The tier of an account's WhatsApp add-on, chosen by an account manager (R1).
    Package { Small => "small", Medium => "medium", Large => "large" }
);

/// How an account takes opt-ins and replies, from its package (R2, R3, R7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptInPolicy {
    /// Most active opt-ins; a new one beyond it is refused and recorded (R2). `Some(0)`:
    /// no WhatsApp add-on, every opt-in is refused.
    pub cap: Option<u64>,
    /// Only the opt-in keyword gives an opt-in, not any first message (small, R3/R7).
    pub keyword_only: bool,
    /// Inbound messages other than keywords are kept and shown (not for small, R3).
    pub keep_replies: bool,
    /// The account may answer (confirmation replies) on WhatsApp (not for small, R3).
    pub may_reply: bool,
}

impl Package {
    /// Working days from activation until the number is expected to be set up (R3):
    /// medium and large are standard (one), small is not (about seven).
    pub fn setup_working_days(self) -> u32 {
        match self {
            Package::Small => 7,
            Package::Medium | Package::Large => 1,
        }
    }

    /// The WhatsApp business profile can be customised (not for small, R3).
    pub fn custom_profile(self) -> bool {
        self != Package::Small
    }

    /// The package's rules with its opt-in cap.
    pub fn policy(self, cap: u64) -> OptInPolicy {
        let standard = self != Package::Small;
        OptInPolicy {
            cap: Some(cap),
            keyword_only: !standard,
            keep_replies: standard,
            may_reply: standard,
        }
    }

    /// Moving from `self` to `to` means recipients must opt in again (R3: small cannot be
    /// upgraded in place).
    pub fn upgrade_needs_new_opt_ins(self, to: Package) -> bool {
        self == Package::Small && to != Package::Small
    }
}

impl OptInPolicy {
    /// No cap, any first message opts in, replies kept and answered.
    pub const OPEN: OptInPolicy = OptInPolicy {
        cap: None,
        keyword_only: false,
        keep_replies: true,
        may_reply: true,
    };

    /// No add-on: every opt-in is refused (and recorded, R2).
    pub const NONE: OptInPolicy = OptInPolicy {
        cap: Some(0),
        keyword_only: false,
        keep_replies: false,
        may_reply: false,
    };
}

/// The date a package activated at `activated_at` is expected to be ready, counted in
/// working days in `tz` (R3): the next working day for medium and large, seven working
/// days ahead for small.
pub fn expected_ready<Tz: TimeZone>(
    activated_at: DateTime<Utc>,
    package: Package,
    tz: &Tz,
) -> chrono::NaiveDate {
    let local = activated_at.with_timezone(tz).date_naive();
    add_working_days(local, package.setup_working_days())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, NaiveDate};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// R3: medium and large are ready the next working day, small seven working days ahead.
    #[test]
    fn r3_expected_dates_count_working_days() {
        let vienna = FixedOffset::east_opt(3600).unwrap();
        // Monday 30 Nov 2026.
        let monday = at("2026-11-30T09:00:00Z");
        assert_eq!(
            expected_ready(monday, Package::Medium, &vienna),
            d(2026, 12, 1)
        );
        assert_eq!(
            expected_ready(monday, Package::Large, &vienna),
            d(2026, 12, 1)
        );
        // Small: Tue 1 … Fri 4, Mon 7, Tue 8 Dec is a holiday, Wed 9, Thu 10 Dec.
        assert_eq!(
            expected_ready(monday, Package::Small, &vienna),
            d(2026, 12, 10)
        );
        // 23:30 UTC on Friday is Saturday in Vienna: the next working day is Monday.
        let friday_night = at("2026-11-27T23:30:00Z");
        assert_eq!(
            expected_ready(friday_night, Package::Medium, &vienna),
            d(2026, 11, 30)
        );
        // Thursday 24 Dec: 25/26 are holidays, then a weekend.
        let christmas_eve = at("2026-12-24T10:00:00Z");
        assert_eq!(
            expected_ready(christmas_eve, Package::Medium, &vienna),
            d(2026, 12, 28)
        );
        // The local date decides: 31 Dec 23:30 UTC is 1 Jan in Vienna (a holiday), so
        // small counts from 1 Jan: 4, 5, 7, 8, 11, 12, 13 Jan (6 Jan is a holiday).
        let new_year = at("2026-12-31T23:30:00Z");
        assert_eq!(
            expected_ready(new_year, Package::Small, &vienna),
            d(2027, 1, 13)
        );
    }

    /// R3: small is keyword-only, keeps no replies and may not reply; R2: every package
    /// has a cap.
    #[test]
    fn r3_small_is_restricted_and_moving_up_needs_new_opt_ins() {
        let small = Package::Small.policy(1000);
        assert_eq!(
            small,
            OptInPolicy {
                cap: Some(1000),
                keyword_only: true,
                keep_replies: false,
                may_reply: false
            }
        );
        let medium = Package::Medium.policy(10_000);
        assert!(!medium.keyword_only && medium.keep_replies && medium.may_reply);
        assert!(!Package::Small.custom_profile() && Package::Large.custom_profile());
        assert!(Package::Small.upgrade_needs_new_opt_ins(Package::Medium));
        assert!(Package::Small.upgrade_needs_new_opt_ins(Package::Large));
        assert!(!Package::Small.upgrade_needs_new_opt_ins(Package::Small));
        assert!(!Package::Medium.upgrade_needs_new_opt_ins(Package::Large));
        assert!(!Package::Large.upgrade_needs_new_opt_ins(Package::Small));
        assert_eq!(OptInPolicy::NONE.cap, Some(0));
        assert_eq!("large".parse::<Package>().unwrap(), Package::Large);
        assert!("xl".parse::<Package>().is_err());
    }
}
