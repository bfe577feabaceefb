//! A sending window as written, its checks and its errors naming the field.

use std::fmt;

use chrono::{NaiveTime, Timelike, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{SendingWindow, WeekDays};

/// A sending window as written: `{"days": ["mon", …], "from": "08:00", "to": "20:00",
/// "time_zone": "Europe/Vienna"}`. `days` defaults to every day; `time_zone` to the
/// account's time zone (else the server's `default_time_zone`) where an interface allows it.
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

/// A time zone from its IANA name: the server's default, an account's own.
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
