use chrono::Weekday;

use super::*;

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
    let e = bad(serde_json::json!({"from": "08:00", "to": "20:00", "time_zone": "Mars/Olympus"}));
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
