//! Message statistics: one grouped query, each span an index range of
//! `messages_account_created`.

use bote_domain::{AccountId, ChannelKind};
use bote_store::{StatsQuery, StatsRow, StatsStore, StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};

use crate::PostgresStore;
use crate::errors::backend;

#[async_trait::async_trait]
impl StatsStore for PostgresStore {
    async fn message_stats(
        &self,
        account: AccountId,
        query: &StatsQuery,
    ) -> StoreResult<Vec<StatsRow>> {
        let periods: Vec<NaiveDate> = query.spans.iter().map(|s| s.period).collect();
        let starts: Vec<DateTime<Utc>> = query.spans.iter().map(|s| s.start).collect();
        let ends: Vec<DateTime<Utc>> = query.spans.iter().map(|s| s.end).collect();
        let rows: Vec<(NaiveDate, String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT p.period, m.channel, \
             COUNT(*) FILTER (WHERE status IN ('sent','delivered','read','undelivered','expired')), \
             COUNT(*) FILTER (WHERE status IN ('delivered','read')), \
             COUNT(*) FILTER (WHERE status IN ('failed','undelivered','expired','rejected')), \
             COALESCE(SUM(segments), 0)::bigint \
             FROM unnest($2::date[], $3::timestamptz[], $4::timestamptz[]) AS p(period, start_at, end_at) \
             JOIN messages m ON m.account_id = $1 AND m.created_at >= p.start_at \
             AND m.created_at < p.end_at \
             WHERE ($5::text IS NULL OR m.channel = $5) \
             GROUP BY p.period, m.channel ORDER BY p.period, m.channel",
        )
        .bind(account.0)
        .bind(&periods)
        .bind(&starts)
        .bind(&ends)
        .bind(query.channel.map(|c| c.as_str()))
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
