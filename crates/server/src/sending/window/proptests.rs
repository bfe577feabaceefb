//! Property tests of `next_open` against a wall-clock rule, near real clock changes.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::{SendingWindow, WeekDays};

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
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
