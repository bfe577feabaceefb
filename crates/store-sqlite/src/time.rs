//! Timestamps as stored: fixed-width UTC text with microseconds, which sorts as it reads.

use chrono::{DateTime, SubsecRound, Utc};

/// The current time, cut to what the database keeps (microseconds).
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// `2025-01-31T12:34:56.123456Z`
pub(crate) fn text(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// SQL that writes `micros` (an SQL expression: microseconds since the epoch) as [`text`]
/// does.
pub(crate) fn sql_text(micros: &str) -> String {
    format!(
        "(strftime('%Y-%m-%dT%H:%M:%S', ({micros}) / 1000000, 'unixepoch') \
         || printf('.%06dZ', ({micros}) % 1000000))"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn text_is_fixed_width() {
        let at = Utc.with_ymd_and_hms(2025, 1, 31, 12, 34, 56).unwrap();
        assert_eq!(text(at), "2025-01-31T12:34:56.000000Z");
        assert_eq!(text(now()).len(), 27);
    }
}
