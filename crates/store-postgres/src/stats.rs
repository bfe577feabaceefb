//! Message statistics: one grouped query over `messages_account_created`.

use bote_domain::{AccountId, ChannelKind};
use bote_store::{StatsInterval, StatsQuery, StatsRow, StatsStore, StoreError, StoreResult};
use chrono::{Days, NaiveDate, NaiveTime};

use crate::PostgresStore;
use crate::errors::backend;

#[async_trait::async_trait]
impl StatsStore for PostgresStore {
    async fn message_stats(
        &self,
        account: AccountId,
        query: &StatsQuery,
    ) -> StoreResult<Vec<StatsRow>> {
        let unit = match query.interval {
            StatsInterval::Day => "day",
            StatsInterval::Month => "month",
        };
        let start = query.from.and_time(NaiveTime::MIN).and_utc();
        let end = query
            .to
            .checked_add_days(Days::new(1))
            .unwrap_or(query.to)
            .and_time(NaiveTime::MIN)
            .and_utc();
        let rows: Vec<(NaiveDate, String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT date_trunc($5, created_at AT TIME ZONE 'UTC')::date AS period, channel, \
             COUNT(*) FILTER (WHERE status IN ('sent','delivered','read','undelivered','expired')), \
             COUNT(*) FILTER (WHERE status IN ('delivered','read')), \
             COUNT(*) FILTER (WHERE status IN ('failed','undelivered','expired','rejected')), \
             COALESCE(SUM(segments), 0)::bigint \
             FROM messages WHERE account_id = $1 AND created_at >= $2 AND created_at < $3 \
             AND ($4::text IS NULL OR channel = $4) GROUP BY period, channel ORDER BY period, channel",
        )
        .bind(account.0)
        .bind(start)
        .bind(end)
        .bind(query.channel.map(|c| c.as_str()))
        .bind(unit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.into_iter()
            .map(|(period, channel, sent, delivered, failed, segments)| {
                Ok(StatsRow {
                    period,
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
