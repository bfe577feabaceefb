//! Message statistics (R21): messages counted per period and channel, in the database.
//!
//! Counting happens in one grouped query so a month of a million messages never leaves the
//! database as rows; the server fills in the channels and periods without messages.

use bote_domain::{AccountId, ChannelKind};
use chrono::{DateTime, NaiveDate, Utc};

use crate::StoreResult;

/// How a report groups messages in time: by the local day or month of their creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsInterval {
    Day,
    Month,
}

/// One period of a report: the messages created from `start` (included) to `end`
/// (excluded), counted under `period`, the period's first local day. The caller places the
/// bounds at the local midnights of the account's time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsSpan {
    pub period: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Which messages are counted: those of each span, of one channel or all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsQuery {
    pub spans: Vec<StatsSpan>,
    pub channel: Option<ChannelKind>,
}

/// The counts of one period and channel that had messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsRow {
    /// The first day of the period (the day itself, or the first of the month).
    pub period: NaiveDate,
    pub channel: ChannelKind,
    /// Taken by the provider: `sent`, `delivered`, `read`, `undelivered`, `expired`.
    pub sent: u64,
    /// `delivered` or `read`.
    pub delivered: u64,
    /// `failed`, `undelivered`, `expired`, `rejected`.
    pub failed: u64,
    /// Parts as the provider took them (an SMS may take several), where known.
    pub segments: u64,
}

#[async_trait::async_trait]
pub trait StatsStore {
    /// The account's counts per span and channel, ordered by period then channel (`sms`
    /// before `whatsapp`); spans and channels without messages are absent.
    async fn message_stats(
        &self,
        account: AccountId,
        query: &StatsQuery,
    ) -> StoreResult<Vec<StatsRow>>;
}
