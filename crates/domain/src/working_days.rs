//! Working days in Austria: Monday to Friday except public holidays. Setup dates of the
//! WhatsApp add-on are promised in working days (R3), so weekends and holidays never count.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Easter Sunday of `year` in the Gregorian calendar (the anonymous Gregorian algorithm,
/// "Meeus/Jones/Butcher").
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a valid date")
}

/// Austrian public holidays (nationwide): the fixed ones and those that follow Easter.
pub fn is_public_holiday(date: NaiveDate) -> bool {
    const FIXED: [(u32, u32); 9] = [
        (1, 1),   // Neujahr
        (1, 6),   // Heilige Drei Könige
        (5, 1),   // Staatsfeiertag
        (8, 15),  // Mariä Himmelfahrt
        (10, 26), // Nationalfeiertag
        (11, 1),  // Allerheiligen
        (12, 8),  // Mariä Empfängnis
        (12, 25), // Christtag
        (12, 26), // Stefanitag
    ];
    if FIXED.contains(&(date.month(), date.day())) {
        return true;
    }
    let easter = easter_sunday(date.year());
    // Easter Monday, Ascension, Whit Monday, Corpus Christi.
    [1u64, 39, 50, 60]
        .iter()
        .any(|&after| easter.checked_add_days(Days::new(after)) == Some(date))
}

pub fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !is_public_holiday(date)
}

/// The `n`th working day after `date` (`date` itself never counts).
pub fn add_working_days(date: NaiveDate, n: u32) -> NaiveDate {
    let mut day = date;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().expect("dates stay in range");
        if is_working_day(day) {
            left -= 1;
        }
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_dates_are_right() {
        assert_eq!(easter_sunday(2024), d(2024, 3, 31));
        assert_eq!(easter_sunday(2025), d(2025, 4, 20));
        assert_eq!(easter_sunday(2026), d(2026, 4, 5));
        assert_eq!(easter_sunday(2027), d(2027, 3, 28));
        assert_eq!(easter_sunday(2038), d(2038, 4, 25));
    }

    #[test]
    fn austrian_holidays_of_2026() {
        for h in [
            d(2026, 1, 1),
            d(2026, 1, 6),
            d(2026, 4, 6), // Easter Monday
            d(2026, 5, 1),
            d(2026, 5, 14), // Ascension
            d(2026, 5, 25), // Whit Monday
            d(2026, 6, 4),  // Corpus Christi
            d(2026, 8, 15),
            d(2026, 10, 26),
            d(2026, 11, 1),
            d(2026, 12, 8),
            d(2026, 12, 25),
            d(2026, 12, 26),
        ] {
            assert!(is_public_holiday(h), "{h}");
            assert!(!is_working_day(h), "{h}");
        }
        assert!(
            !is_public_holiday(d(2026, 4, 5)),
            "Easter Sunday is a Sunday, not listed"
        );
        assert!(is_working_day(d(2026, 4, 7)));
        assert!(!is_working_day(d(2026, 11, 28)), "Saturday");
        assert!(!is_working_day(d(2026, 11, 29)), "Sunday");
        assert!(is_working_day(d(2026, 11, 30)));
    }

    #[test]
    fn counting_skips_weekends_and_holidays() {
        // Friday → Monday.
        assert_eq!(add_working_days(d(2026, 11, 27), 1), d(2026, 11, 30));
        // Saturday → Monday.
        assert_eq!(add_working_days(d(2026, 11, 28), 1), d(2026, 11, 30));
        // Thursday before Easter → Tuesday after Easter Monday (Good Friday is a working day).
        assert_eq!(add_working_days(d(2026, 4, 2), 2), d(2026, 4, 7));
        // Year end: from Wednesday 23 Dec 2026, the 24th counts, 25/26 are holidays (and
        // a weekend follows), 28–31 count, 1 Jan is a holiday, 2/3 a weekend, then 4, 5 Jan.
        assert_eq!(add_working_days(d(2026, 12, 23), 7), d(2027, 1, 5));
        assert_eq!(add_working_days(d(2026, 12, 23), 0), d(2026, 12, 23));
    }
}
