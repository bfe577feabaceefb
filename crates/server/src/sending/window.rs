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

use std::fmt;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono::{Duration, Timelike, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A set of weekdays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeekDays(u8);

impl WeekDays {
    pub const ALL: WeekDays = WeekDays(0b111_1111);
    pub const NONE: WeekDays = WeekDays(0);

    pub fn with(self, day: Weekday) -> WeekDays {
        WeekDays(self.0 | 1 << day.num_days_from_monday())
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Monday first.
    pub fn iter(self) -> impl Iterator<Item = Weekday> {
        (0..7u8)
            .map(|i| Weekday::try_from(i).expect("0..7 are weekdays"))
            .filter(move |d| self.contains(*d))
    }
}

impl FromIterator<Weekday> for WeekDays {
    fn from_iter<I: IntoIterator<Item = Weekday>>(iter: I) -> Self {
        iter.into_iter().fold(WeekDays::NONE, WeekDays::with)
    }
}

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

/// A sending window as written: `{"days": ["mon", …], "from": "08:00", "to": "20:00",
/// "time_zone": "Europe/Vienna"}`. `days` defaults to every day; `time_zone` to the
/// server's `default_time_zone` where an interface allows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<Vec<String>>,
    pub from: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// A window that cannot be: `field` is `days`, `from`, `to` or `time_zone`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowError {
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for WindowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for WindowError {}

fn invalid(field: &'static str, message: impl Into<String>) -> WindowError {
    WindowError {
        field,
        message: message.into(),
    }
}

/// `HH:MM` or `HH:MM:SS`; `24:00` where `end_of_day` (it is midnight of the next day).
fn parse_time(field: &'static str, raw: &str, end_of_day: bool) -> Result<NaiveTime, WindowError> {
    if end_of_day && (raw == "24:00" || raw == "24:00:00") {
        return Ok(NaiveTime::MIN);
    }
    let shaped = matches!(raw.len(), 5 | 8) && raw.as_bytes()[2] == b':';
    shaped
        .then(|| {
            NaiveTime::parse_from_str(raw, "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(raw, "%H:%M:%S"))
                .ok()
        })
        .flatten()
        .ok_or_else(|| {
            invalid(
                field,
                format!(
                    "'{raw}' is not a time of day like \"08:00\"{}",
                    if end_of_day { " (or \"24:00\")" } else { "" }
                ),
            )
        })
}

fn parse_zone(raw: &str) -> Result<Tz, WindowError> {
    raw.parse::<Tz>().map_err(|_| {
        invalid(
            "time_zone",
            format!("'{raw}' is not a known IANA time zone like \"Europe/Vienna\""),
        )
    })
}

/// The server's default time zone, from its IANA name.
pub fn parse_time_zone(raw: &str) -> Result<Tz, String> {
    parse_zone(raw).map_err(|e| e.message)
}

impl WindowInput {
    /// Checks the window; `default_zone` stands in for a missing `time_zone` (without one,
    /// `time_zone` is required).
    pub fn resolve(&self, default_zone: Option<Tz>) -> Result<SendingWindow, WindowError> {
        let days = match &self.days {
            None => WeekDays::ALL,
            Some(list) => {
                let mut days = WeekDays::NONE;
                for raw in list {
                    let day = raw.parse::<Weekday>().map_err(|_| {
                        invalid(
                            "days",
                            format!(
                                "'{raw}' is not a weekday; use mon, tue, wed, thu, fri, sat, sun"
                            ),
                        )
                    })?;
                    days = days.with(day);
                }
                if days.is_empty() {
                    return Err(invalid(
                        "days",
                        "name at least one weekday, or leave `days` out for every day",
                    ));
                }
                days
            }
        };
        let from = parse_time("from", &self.from, false)?;
        let to = parse_time("to", &self.to, true)?;
        let whole_day = from == NaiveTime::MIN && self.to.starts_with("24");
        if from == to && !whole_day {
            return Err(invalid(
                "to",
                format!(
                    "'{}' equals `from`; for whole days give \"00:00\" to \"24:00\"",
                    self.to
                ),
            ));
        }
        let time_zone = match (&self.time_zone, default_zone) {
            (Some(raw), _) => parse_zone(raw)?,
            (None, Some(zone)) => zone,
            (None, None) => return Err(invalid("time_zone", "missing")),
        };
        Ok(SendingWindow {
            days,
            from,
            to,
            time_zone,
        })
    }
}

impl TryFrom<WindowInput> for SendingWindow {
    type Error = WindowError;
    fn try_from(input: WindowInput) -> Result<Self, WindowError> {
        input.resolve(None)
    }
}

fn format_time(t: NaiveTime) -> String {
    if t.second() == 0 {
        t.format("%H:%M").to_string()
    } else {
        t.format("%H:%M:%S").to_string()
    }
}

impl From<SendingWindow> for WindowInput {
    fn from(w: SendingWindow) -> Self {
        let to = if w.from == w.to && w.to == NaiveTime::MIN {
            "24:00".to_owned()
        } else {
            format_time(w.to)
        };
        WindowInput {
            days: Some(
                w.days
                    .iter()
                    .map(|d| d.to_string().to_ascii_lowercase())
                    .collect(),
            ),
            from: format_time(w.from),
            to,
            time_zone: Some(w.time_zone.name().to_owned()),
        }
    }
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
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn input(json: serde_json::Value) -> WindowInput {
        serde_json::from_value(json).unwrap()
    }

    fn window(days: &[&str], from: &str, to: &str, zone: &str) -> SendingWindow {
        WindowInput {
            days: Some(days.iter().map(|d| d.to_string()).collect()),
            from: from.into(),
            to: to.into(),
            time_zone: Some(zone.into()),
        }
        .resolve(None)
        .unwrap()
    }

    const WEEKDAYS: [&str; 5] = ["mon", "tue", "wed", "thu", "fri"];

    #[test]
    fn parses_checks_and_round_trips() {
        let w: SendingWindow = serde_json::from_value(serde_json::json!(
            {"days": ["mon", "Tue", "friday"], "from": "08:00", "to": "20:00", "time_zone": "Europe/Vienna"}
        ))
        .unwrap();
        assert_eq!(
            w.days,
            [Weekday::Mon, Weekday::Tue, Weekday::Fri]
                .into_iter()
                .collect()
        );
        assert_eq!(w.time_zone, chrono_tz::Europe::Vienna);
        let json = serde_json::to_value(&w).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"days": ["mon", "tue", "fri"], "from": "08:00", "to": "20:00", "time_zone": "Europe/Vienna"})
        );
        assert_eq!(serde_json::from_value::<SendingWindow>(json).unwrap(), w);

        let whole = window(&["sat"], "00:00", "24:00", "UTC");
        let json = serde_json::to_value(&whole).unwrap();
        assert_eq!(json["to"], "24:00");
        assert_eq!(
            serde_json::from_value::<SendingWindow>(json).unwrap(),
            whole
        );

        let every = input(serde_json::json!({"from": "08:00", "to": "20:00"}))
            .resolve(Some(chrono_tz::Europe::Vienna))
            .unwrap();
        assert_eq!(every.days, WeekDays::ALL);
        assert_eq!(every.time_zone, chrono_tz::Europe::Vienna);
    }

    #[test]
    fn errors_name_the_field() {
        let bad = |json: serde_json::Value| input(json).resolve(Some(chrono_tz::UTC)).unwrap_err();
        let e =
            bad(serde_json::json!({"from": "08:00", "to": "20:00", "time_zone": "Mars/Olympus"}));
        assert_eq!(e.field, "time_zone");
        assert!(e.message.contains("Mars/Olympus"), "{e}");
        assert_eq!(
            bad(serde_json::json!({"from": "8 am", "to": "20:00"})).field,
            "from"
        );
        assert_eq!(
            bad(serde_json::json!({"from": "08:00", "to": "25:00"})).field,
            "to"
        );
        assert_eq!(
            bad(serde_json::json!({"from": "24:00", "to": "08:00"})).field,
            "from"
        );
        assert_eq!(
            bad(serde_json::json!({"from": "08:00", "to": "08:00"})).field,
            "to"
        );
        assert_eq!(
            bad(serde_json::json!({"from": "00:00", "to": "00:00"})).field,
            "to"
        );
        let e = bad(serde_json::json!({"days": [], "from": "08:00", "to": "20:00"}));
        assert_eq!(e.field, "days");
        let e = bad(serde_json::json!({"days": ["mon", "funday"], "from": "08:00", "to": "20:00"}));
        assert_eq!(e.field, "days");
        assert!(e.message.contains("funday"), "{e}");
        let e = input(serde_json::json!({"from": "08:00", "to": "20:00"}))
            .resolve(None)
            .unwrap_err();
        assert_eq!(e.field, "time_zone");
        assert!(
            serde_json::from_value::<WindowInput>(
                serde_json::json!({"from": "08:00", "to": "20:00", "zone": "UTC"})
            )
            .is_err()
        );
    }

    #[test]
    fn weekdays_in_vienna() {
        let w = window(&WEEKDAYS, "08:00", "20:00", "Europe/Vienna");
        // Thursday 2026-11-26, 03:00 UTC = 04:00 CET: opens at 08:00 CET = 07:00 UTC.
        assert_eq!(
            w.next_open(utc("2026-11-26T03:00:00Z")),
            Some(utc("2026-11-26T07:00:00Z"))
        );
        assert_eq!(w.next_open(utc("2026-11-26T07:00:00Z")), None);
        assert_eq!(w.next_open(utc("2026-11-26T18:59:59Z")), None);
        // Friday 20:00 CET: closed until Monday 08:00.
        assert_eq!(
            w.next_open(utc("2026-11-27T19:00:00Z")),
            Some(utc("2026-11-30T07:00:00Z"))
        );
        // Summer time: 08:00 CEST = 06:00 UTC.
        assert_eq!(
            w.next_open(utc("2026-07-01T05:00:00Z")),
            Some(utc("2026-07-01T06:00:00Z"))
        );
    }

    #[test]
    fn overnight_windows() {
        let w = window(&["fri"], "20:00", "06:00", "UTC");
        // Friday 2026-11-27 20:00 to Saturday 06:00.
        assert_eq!(w.next_open(utc("2026-11-28T05:59:00Z")), None);
        assert_eq!(w.next_open(utc("2026-11-27T20:00:00Z")), None);
        assert_eq!(
            w.next_open(utc("2026-11-28T06:00:00Z")),
            Some(utc("2026-12-04T20:00:00Z"))
        );
        assert_eq!(
            w.next_open(utc("2026-11-27T12:00:00Z")),
            Some(utc("2026-11-27T20:00:00Z"))
        );
        let whole = window(&["sat", "sun"], "00:00", "24:00", "UTC");
        assert_eq!(whole.next_open(utc("2026-11-29T23:59:59Z")), None);
        assert_eq!(
            whole.next_open(utc("2026-11-30T00:00:00Z")),
            Some(utc("2026-12-05T00:00:00Z"))
        );
    }

    #[test]
    fn spring_forward_gap() {
        // Sunday 2026-03-29 in Vienna: 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
        let w = window(&["sun"], "02:30", "04:00", "Europe/Vienna");
        let opens = utc("2026-03-29T01:00:00Z");
        assert_eq!(w.next_open(utc("2026-03-29T00:00:00Z")), Some(opens));
        assert_eq!(w.next_open(utc("2026-03-29T00:59:59Z")), Some(opens));
        assert_eq!(w.next_open(opens), None);
        // 04:00 CEST = 02:00 UTC.
        assert_eq!(w.next_open(utc("2026-03-29T01:59:59Z")), None);
        assert_eq!(
            w.next_open(utc("2026-03-29T02:00:00Z")),
            Some(utc("2026-04-05T00:30:00Z"))
        );
        // A window closing inside the gap closes at the jump.
        let w = window(&["sat"], "22:00", "02:30", "Europe/Vienna");
        assert_eq!(w.next_open(utc("2026-03-29T00:59:59Z")), None);
        assert!(w.next_open(utc("2026-03-29T01:00:00Z")).is_some());
        // Whole days survive the short day.
        let w = window(&["sun"], "00:00", "24:00", "Europe/Vienna");
        assert_eq!(w.next_open(utc("2026-03-29T21:59:59Z")), None);
        assert!(w.next_open(utc("2026-03-29T22:00:00Z")).is_some());
    }

    #[test]
    fn autumn_repeated_hour() {
        // Sunday 2026-10-25 in Vienna: 03:00 CEST goes back to 02:00 CET at 01:00 UTC;
        // 02:30 occurs at 00:30 UTC (CEST) and at 01:30 UTC (CET).
        let w = window(&["sun"], "02:30", "05:00", "Europe/Vienna");
        assert_eq!(
            w.next_open(utc("2026-10-25T00:00:00Z")),
            Some(utc("2026-10-25T00:30:00Z"))
        );
        // Open through the repeated hour, closes at 05:00 CET = 04:00 UTC.
        assert_eq!(w.next_open(utc("2026-10-25T01:10:00Z")), None);
        assert_eq!(w.next_open(utc("2026-10-25T03:59:59Z")), None);
        assert!(w.next_open(utc("2026-10-25T04:00:00Z")).is_some());
        // Between its first and second 02:30, a window opening then has opened already.
        let w = window(&["sun"], "02:30", "02:45", "Europe/Vienna");
        assert_eq!(w.next_open(utc("2026-10-25T00:40:00Z")), None);
        assert_eq!(
            w.next_open(utc("2026-10-25T01:30:00Z")),
            Some(utc("2026-11-01T01:30:00Z"))
        );
    }

    #[test]
    fn midnight_gaps() {
        // Santiago skipped 00:00–01:00 on 2026-09-06 (-04 to -03, at 04:00 UTC): a window
        // from midnight opens at 01:00 -03.
        let w = window(&["sun"], "00:00", "06:00", "America/Santiago");
        assert_eq!(
            w.next_open(utc("2026-09-06T03:00:00Z")),
            Some(utc("2026-09-06T04:00:00Z"))
        );
    }

    /// Open by the wall clock alone: right except in a repeated hour, where the clock
    /// shows a time twice.
    fn open_by_clock(w: &SendingWindow, t: DateTime<Utc>) -> Option<bool> {
        let local = t.with_timezone(&w.time_zone).naive_local();
        if matches!(
            w.time_zone.from_local_datetime(&local),
            LocalResult::Ambiguous(..)
        ) {
            return None;
        }
        let (day, time) = (local.date(), local.time());
        let yesterday = day.pred_opt().unwrap();
        Some(if w.from < w.to {
            w.days.contains(day.weekday()) && w.from <= time && time < w.to
        } else {
            (w.days.contains(day.weekday()) && time >= w.from)
                || (w.days.contains(yesterday.weekday()) && time < w.to)
        })
    }

    const ZONES: [Tz; 8] = [
        chrono_tz::Europe::Vienna,
        chrono_tz::America::New_York,
        chrono_tz::America::Santiago,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Pacific::Chatham,
        chrono_tz::Asia::Kolkata,
        chrono_tz::America::Havana,
        chrono_tz::UTC,
    ];

    fn time_of_day() -> impl Strategy<Value = NaiveTime> {
        let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        prop_oneof![
            // Where clocks change: around midnight and 01:00 to 03:00.
            prop::sample::select(vec![
                hm(0, 0),
                hm(0, 30),
                hm(1, 0),
                hm(1, 30),
                hm(2, 0),
                hm(2, 15),
                hm(2, 30),
                hm(2, 45),
                hm(3, 0),
                hm(23, 0),
                hm(23, 30),
            ]),
            (0u32..24, 0u32..4).prop_map(move |(h, q)| hm(h, q * 15)),
            (0u32..1440).prop_map(move |m| hm(m / 60, m % 60)),
        ]
    }

    /// The instants in 2025–2028 at which the offset of each of [`ZONES`] changes.
    static CHANGES: std::sync::LazyLock<Vec<Vec<DateTime<Utc>>>> =
        std::sync::LazyLock::new(|| ZONES.iter().map(|z| changes(*z)).collect());

    fn changes(zone: Tz) -> Vec<DateTime<Utc>> {
        use chrono::Offset;
        let offset = |t: DateTime<Utc>| t.with_timezone(&zone).offset().fix();
        let mut t = utc("2025-01-01T00:00:00Z");
        let mut found = Vec::new();
        while t < utc("2029-01-01T00:00:00Z") {
            let next = t + Duration::hours(1);
            if offset(t) != offset(next) {
                let (mut lo, mut hi) = (t, next);
                while hi - lo > Duration::seconds(1) {
                    let mid = lo + (hi - lo) / 2;
                    if offset(mid) == offset(t) {
                        lo = mid
                    } else {
                        hi = mid
                    }
                }
                found.push(hi);
            }
            t = next;
        }
        found
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn next_open_is_the_next_open_moment(
            days in 1u8..128,
            from in time_of_day(),
            to in time_of_day(),
            zone in prop::sample::select(ZONES.to_vec()),
            near_change in prop::bool::weighted(0.75),
            pick in any::<prop::sample::Index>(),
            // From three days before a change to a day after it.
            shift in -259_200i64..86_400,
            anywhere in 1_735_689_600i64..1_861_920_000,
        ) {
            let found = &CHANGES[ZONES.iter().position(|z| *z == zone).unwrap()];
            let now = if near_change && !found.is_empty() {
                *pick.get(found) + Duration::seconds(shift)
            } else {
                DateTime::from_timestamp(anywhere, 0).unwrap()
            };
            let w = SendingWindow { days: WeekDays(days), from, to, time_zone: zone };
            match w.next_open(now) {
                None => prop_assert_ne!(open_by_clock(&w, now), Some(false)),
                Some(next) => {
                    prop_assert!(next > now);
                    prop_assert!(next - now <= Duration::days(8), "{next} is too far from {now}");
                    prop_assert!(w.is_open(next), "closed at its opening {next}");
                    prop_assert_ne!(open_by_clock(&w, next), Some(false));
                    prop_assert_ne!(open_by_clock(&w, now), Some(true));
                    // No open moment before it: by the clock, every minute (on the minute
                    // grid of now) up to it is closed; by next_open too, every ten.
                    let mut t = now;
                    let mut step = 0;
                    while t < next {
                        prop_assert_ne!(open_by_clock(&w, t), Some(true), "open by the clock at {}, before {}", t, next);
                        if step % 10 == 0 {
                            prop_assert!(!w.is_open(t), "open at {}, before {}", t, next);
                        }
                        t += Duration::minutes(1);
                        step += 1;
                    }
                    prop_assert!(!w.is_open(next - Duration::seconds(1)));
                    // The same answer from any moment in between.
                    let mid = now + (next - now) / 2;
                    prop_assert_eq!(w.next_open(mid), Some(next));
                }
            }
        }
    }
}
