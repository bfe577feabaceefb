//! Message statistics (R21): messages counted per period and channel, in the database.
//!
//! Counting happens in one grouped query so a month of a million messages never leaves the
//! database as rows; the server fills in the channels and periods without messages.

use bote_domain::{AccountId, ChannelKind};
use chrono::NaiveDate;

use crate::StoreResult;

/// How messages are grouped in time (by their creation, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsInterval {
    Day,
    Month,
}

/// Which messages are counted: created from `from` through `to` (whole UTC days, both
/// included), of one channel or all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub interval: StatsInterval,
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
    /// The account's counts, ordered by period then channel (`sms` before `whatsapp`);
    /// periods and channels without messages are absent.
    async fn message_stats(
        &self,
        account: AccountId,
        query: &StatsQuery,
    ) -> StoreResult<Vec<StatsRow>>;
}
