//! Sending windows: the days and hours of the day, in a time zone, in which a send's
//! messages may go out. The dispatcher holds a message claimed outside its send's window
//! until the window next opens (`Outcome::Defer`), without counting an attempt.
//!
//! On each listed day `d` the window opens when the local clock first reaches `from` on
//! `d` and closes when it first reaches `to` — on `d` when `to` is after `from`, else on the
//! next day (an overnight window such as 20:00–06:00; `"to": "24:00"` closes at midnight).
//! "First reaches" settles daylight saving time: a time inside a spring-forward gap (02:30
//! on the last Sunday of March in Europe/Vienna) is reached at the jump, 03:00 summer time;
//! a time that occurs twice in autumn is reached at its first occurrence. A window that
//! opened stays open until it closes, also through a repeated hour.

mod days;
mod input;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use days::WeekDays;
pub use input::{WindowError, WindowInput, parse_time_zone};

/// When a send's messages may go out. Built from a [`WindowInput`], which checks it;
/// `days` is never empty then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WindowInput", into = "WindowInput")]
pub struct SendingWindow {
    pub days: WeekDays,
    pub from: NaiveTime,
    /// Before `from` (or equal to it): the window closes on the next day.
    pub to: NaiveTime,
    pub time_zone: Tz,
}

/// The first instant at which the clock of `zone` reaches `local`: the instant itself when
/// it occurs once, the first of two in a repeated hour, the jump over a gap.
fn first_reaching(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => {
            // UTC offsets lie within -12 h and +14 h: the clock shows less than `local` at
            // `lo` and at least `local` at `hi`. Inside a gap it never shows `local`, so
            // the first instant showing more is the jump; search it to the second.
            let wall = |s: i64| {
                DateTime::from_timestamp(s, 0)
                    .expect("within chrono's range")
                    .with_timezone(&zone)
                    .naive_local()
            };
            let base = local.and_utc().timestamp();
            let (mut lo, mut hi) = (base - 26 * 3600, base + 26 * 3600);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if wall(mid) >= local {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            DateTime::from_timestamp(hi, 0).expect("within chrono's range")
        }
    }
}

impl SendingWindow {
    /// The time the window of local day `day` is open, `[opens, closes)`; `None` when the
    /// day is not listed (or, around a time-zone change, the window has no time at all).
    fn opening(&self, day: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.days.contains(day.weekday()) {
            return None;
        }
        let opens = first_reaching(self.time_zone, day.and_time(self.from));
        let close_day = if self.to > self.from {
            day
        } else {
            day.succ_opt()?
        };
        let closes = first_reaching(self.time_zone, close_day.and_time(self.to));
        (opens < closes).then_some((opens, closes))
    }

    /// `None` when the window is open at `now`; else when it next opens (after `now`).
    /// A window without days (which [`WindowInput`] refuses) never holds a message.
    pub fn next_open(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let today = now.with_timezone(&self.time_zone).date_naive();
        let mut next: Option<DateTime<Utc>> = None;
        // Yesterday's overnight window may still be open; a listed day comes within a week.
        for offset in -2..=9 {
            let Some(day) = today.checked_add_signed(Duration::days(offset)) else {
                continue;
            };
            let Some((opens, closes)) = self.opening(day) else {
                continue;
            };
            if opens <= now && now < closes {
                return None;
            }
            if opens > now && next.is_none_or(|n| opens < n) {
                next = Some(opens);
            }
        }
        next
    }

    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.next_open(now).is_none()
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
