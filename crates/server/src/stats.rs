//! Statistics reports (R21): the store's counts laid out for the API, CSV and the web page,
//! with every period of the range and every reported channel present (zeros included), so
//! readers never guess whether a missing row means zero.
//!
//! Voice and push are reported beside SMS and WhatsApp as R21 asks; bote has no such
//! channels yet, so they are always zero.
//!
//! Days and months are the account's own (its time zone, else the server's default): a
//! period runs from one local midnight to the next, 23 or 25 hours on the days clocks
//! change.

use std::collections::BTreeMap;

use bote_domain::{AccountId, ChannelKind};
use bote_store::{StatsInterval, StatsQuery, StatsSpan, Store, StoreResult};
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// The channels of a report, in the order they are shown.
pub const CHANNELS: [&str; 4] = ["sms", "voice", "push", "whatsapp"];

/// Longest range of a daily report, in days.
pub const MAX_DAYS: u64 = 366;
/// Longest range of a monthly report, in months.
pub const MAX_MONTHS: u32 = 120;

/// A report's channel filter: a real channel, or one reported as zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportChannel {
    Real(ChannelKind),
    /// `voice` or `push`.
    Absent(&'static str),
}

impl ReportChannel {
    /// `sms`, `voice`, `push` or `whatsapp`.
    pub fn parse(text: &str) -> Option<ReportChannel> {
        match text {
            "sms" => Some(ReportChannel::Real(ChannelKind::Sms)),
            "whatsapp" => Some(ReportChannel::Real(ChannelKind::Whatsapp)),
            "voice" => Some(ReportChannel::Absent("voice")),
            "push" => Some(ReportChannel::Absent("push")),
            _ => None,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            ReportChannel::Real(kind) => kind.as_str(),
            ReportChannel::Absent(name) => name,
        }
    }
}

/// What a report covers.
#[derive(Debug, Clone, Copy)]
pub struct ReportRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub interval: StatsInterval,
    pub channel: Option<ReportChannel>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub sent: u64,
    pub delivered: u64,
    pub failed: u64,
    pub segments: u64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.sent += other.sent;
        self.delivered += other.delivered;
        self.failed += other.failed;
        self.segments += other.segments;
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Period {
    /// The first day of the period.
    pub period: NaiveDate,
    /// Channel name → counts, every reported channel present.
    pub channels: BTreeMap<&'static str, Counts>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub interval: &'static str,
    pub periods: Vec<Period>,
    pub totals: BTreeMap<&'static str, Counts>,
}

/// The first day of the period holding `day`.
pub fn period_start(day: NaiveDate, interval: StatsInterval) -> NaiveDate {
    match interval {
        StatsInterval::Day => day,
        StatsInterval::Month => day.with_day(1).unwrap_or(day),
    }
}

fn next_period(start: NaiveDate, interval: StatsInterval) -> Option<NaiveDate> {
    match interval {
        StatsInterval::Day => start.checked_add_days(Days::new(1)),
        StatsInterval::Month => start.checked_add_months(Months::new(1)),
    }
}

/// When `day` begins in `zone`: its midnight, or where clocks skip midnight, the first
/// local time after it.
fn day_begins(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    (0..=24 * 4)
        .find_map(|quarter| {
            let at = day.and_time(NaiveTime::MIN) + chrono::Duration::minutes(15 * quarter);
            zone.from_local_datetime(&at).earliest()
        })
        .map_or_else(
            || day.and_time(NaiveTime::MIN).and_utc(),
            |at| at.with_timezone(&Utc),
        )
}

/// Each period's span: from its first day (or `from`) to the day after its last (or `to`),
/// local midnights in `zone`.
fn spans(range: &ReportRange, zone: Tz) -> Vec<StatsSpan> {
    let mut out = Vec::new();
    let mut at = Some(period_start(range.from, range.interval));
    while let Some(start) = at.filter(|start| *start <= range.to) {
        let next = next_period(start, range.interval);
        let first = start.max(range.from);
        let after = next.unwrap_or(NaiveDate::MAX).min(
            range
                .to
                .checked_add_days(Days::new(1))
                .unwrap_or(NaiveDate::MAX),
        );
        out.push(StatsSpan {
            period: start,
            start: day_begins(first, zone),
            end: day_begins(after, zone),
        });
        at = next;
    }
    out
}

/// Today in `zone`: the default end of a report.
pub fn today(zone: Tz) -> NaiveDate {
    Utc::now().with_timezone(&zone).date_naive()
}

/// The account's report over `range`, its days those of `zone`, counted by the store in
/// one query.
pub async fn report(
    store: &dyn Store,
    account: AccountId,
    range: ReportRange,
    zone: Tz,
) -> StoreResult<Report> {
    let channels: Vec<&'static str> = match range.channel {
        Some(channel) => vec![channel.name()],
        None => CHANNELS.to_vec(),
    };
    let empty: BTreeMap<&'static str, Counts> =
        channels.iter().map(|c| (*c, Counts::default())).collect();
    let spans = spans(&range, zone);
    let mut periods: Vec<Period> = spans
        .iter()
        .map(|span| Period {
            period: span.period,
            channels: empty.clone(),
        })
        .collect();
    let rows = match range.channel {
        Some(ReportChannel::Absent(_)) => Vec::new(),
        real => {
            let query = StatsQuery {
                spans,
                channel: match real {
                    Some(ReportChannel::Real(kind)) => Some(kind),
                    _ => None,
                },
            };
            store.message_stats(account, &query).await?
        }
    };
    let mut totals = empty;
    for row in rows {
        let counts = Counts {
            sent: row.sent,
            delivered: row.delivered,
            failed: row.failed,
            segments: row.segments,
        };
        let name = row.channel.as_str();
        if let Some(period) = periods.iter_mut().find(|p| p.period == row.period)
            && let Some(slot) = period.channels.get_mut(name)
        {
            slot.add(&counts);
        }
        if let Some(total) = totals.get_mut(name) {
            total.add(&counts);
        }
    }
    Ok(Report {
        from: range.from,
        to: range.to,
        interval: match range.interval {
            StatsInterval::Day => "day",
            StatsInterval::Month => "month",
        },
        periods,
        totals,
    })
}

/// The report as CSV: `period,channel,sent,delivered,failed,segments`, one line per period
/// and channel, channels in [`CHANNELS`] order.
pub fn csv(report: &Report) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "period",
        "channel",
        "sent",
        "delivered",
        "failed",
        "segments",
    ])?;
    for period in &report.periods {
        for name in CHANNELS {
            if let Some(c) = period.channels.get(name) {
                out.write_record([
                    period.period.to_string(),
                    name.to_owned(),
                    c.sent.to_string(),
                    c.delivered.to_string(),
                    c.failed.to_string(),
                    c.segments.to_string(),
                ])?;
            }
        }
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn range(from: &str, to: &str, interval: StatsInterval) -> ReportRange {
        ReportRange {
            from: date(from),
            to: date(to),
            interval,
            channel: None,
        }
    }

    #[test]
    fn days_run_from_local_midnight_to_local_midnight() {
        let vienna: Tz = "Europe/Vienna".parse().unwrap();
        // Clocks go forward on 29 March 2026: that day has 23 hours.
        let days = spans(
            &range("2026-03-28", "2026-03-29", StatsInterval::Day),
            vienna,
        );
        let bounds: Vec<_> = days.iter().map(|s| (s.period, s.start, s.end)).collect();
        assert_eq!(
            bounds,
            [
                (
                    date("2026-03-28"),
                    utc("2026-03-27T23:00:00Z"),
                    utc("2026-03-28T23:00:00Z")
                ),
                (
                    date("2026-03-29"),
                    utc("2026-03-28T23:00:00Z"),
                    utc("2026-03-29T22:00:00Z")
                ),
            ]
        );
        let in_utc = spans(
            &range("2026-03-29", "2026-03-29", StatsInterval::Day),
            Tz::UTC,
        );
        assert_eq!(in_utc[0].start, utc("2026-03-29T00:00:00Z"));
        assert_eq!(in_utc[0].end, utc("2026-03-30T00:00:00Z"));
    }

    #[test]
    fn months_are_cut_to_the_range() {
        let vienna: Tz = "Europe/Vienna".parse().unwrap();
        let months = spans(
            &range("2026-01-15", "2026-02-10", StatsInterval::Month),
            vienna,
        );
        let bounds: Vec<_> = months.iter().map(|s| (s.period, s.start, s.end)).collect();
        assert_eq!(
            bounds,
            [
                (
                    date("2026-01-01"),
                    utc("2026-01-14T23:00:00Z"),
                    utc("2026-01-31T23:00:00Z")
                ),
                (
                    date("2026-02-01"),
                    utc("2026-01-31T23:00:00Z"),
                    utc("2026-02-10T23:00:00Z")
                ),
            ]
        );
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_begins_at_its_first_hour() {
        // Santiago moved its clocks from 00:00 to 01:00 on 7 September 2025.
        let santiago: Tz = "America/Santiago".parse().unwrap();
        let day = date("2025-09-07");
        assert_eq!(day_begins(day, santiago), utc("2025-09-07T04:00:00Z"));
    }
}
