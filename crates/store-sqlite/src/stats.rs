//! Message statistics: one grouped query over `messages_account_created`.

use bote_domain::{AccountId, ChannelKind};
use bote_store::{StatsInterval, StatsQuery, StatsRow, StatsStore, StoreError, StoreResult};
use chrono::{Days, NaiveDate};

use crate::SqliteStore;
use crate::errors::DbResultExt;

/// The counted columns of both back ends, by status (see `StatsRow`).
const COUNTS: &str = "SUM(status IN ('sent','delivered','read','undelivered','expired')), \
     SUM(status IN ('delivered','read')), \
     SUM(status IN ('failed','undelivered','expired','rejected')), \
     COALESCE(SUM(segments), 0)";

#[async_trait::async_trait]
impl StatsStore for SqliteStore {
    async fn message_stats(
        &self,
        account: AccountId,
        query: &StatsQuery,
    ) -> StoreResult<Vec<StatsRow>> {
        // Timestamps are fixed-width UTC text: a period is a prefix of it.
        let prefix = match query.interval {
            StatsInterval::Day => 10,
            StatsInterval::Month => 7,
        };
        let end = query.to.checked_add_days(Days::new(1)).unwrap_or(query.to);
        let sql = format!(
            "SELECT substr(created_at, 1, {prefix}) AS period, channel, {COUNTS} \
             FROM messages WHERE account_id = ?1 AND created_at >= ?2 AND created_at < ?3 \
             AND (?4 IS NULL OR channel = ?4) GROUP BY period, channel ORDER BY period, channel"
        );
        let rows: Vec<(String, String, i64, i64, i64, i64)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(account.0)
                .bind(query.from.format("%Y-%m-%d").to_string())
                .bind(end.format("%Y-%m-%d").to_string())
                .bind(query.channel.map(|c| c.as_str()))
                .fetch_all(&self.pool)
                .await
                .db()?;
        rows.into_iter()
            .map(|(period, channel, sent, delivered, failed, segments)| {
                let day = if period.len() == 7 {
                    format!("{period}-01")
                } else {
                    period
                };
                Ok(StatsRow {
                    period: NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|err| {
                        StoreError::Backend(anyhow::anyhow!("stats period {day}: {err}"))
                    })?,
                    channel: channel.parse::<ChannelKind>().map_err(|err| {
                        StoreError::Backend(anyhow::anyhow!("stats channel: {err}"))
                    })?,
                    sent: sent as u64,
                    delivered: delivered as u64,
                    failed: failed as u64,
                    segments: segments as u64,
                })
            })
            .collect()
    }
}
