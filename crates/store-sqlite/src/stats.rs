//! Message statistics: one grouped query, each span an index range of
//! `messages_account_created`.

use bote_domain::{AccountId, ChannelKind};
use bote_store::{StatsQuery, StatsRow, StatsStore, StoreError, StoreResult};
use chrono::NaiveDate;

use crate::SqliteStore;
use crate::errors::DbResultExt;
use crate::time::text;

#[async_trait::async_trait]
impl StatsStore for SqliteStore {
    async fn message_stats(
        &self,
        account: AccountId,
        query: &StatsQuery,
    ) -> StoreResult<Vec<StatsRow>> {
        // The spans as a JSON array of [period, start, end]; timestamps are fixed-width UTC
        // text, which compares as it sorts.
        let spans = serde_json::Value::Array(
            query
                .spans
                .iter()
                .map(|s| {
                    serde_json::json!([
                        s.period.format("%Y-%m-%d").to_string(),
                        text(s.start),
                        text(s.end)
                    ])
                })
                .collect(),
        )
        .to_string();
        let rows: Vec<(String, String, i64, i64, i64, i64)> = sqlx::query_as(
            "WITH p AS (SELECT value ->> 0 AS period, value ->> 1 AS start_at, \
             value ->> 2 AS end_at FROM json_each(?2)) \
             SELECT p.period, m.channel, \
             SUM(m.status IN ('sent','delivered','read','undelivered','expired')), \
             SUM(m.status IN ('delivered','read')), \
             SUM(m.status IN ('failed','undelivered','expired','rejected')), \
             COALESCE(SUM(m.segments), 0) \
             FROM p JOIN messages m ON m.account_id = ?1 AND m.created_at >= p.start_at \
             AND m.created_at < p.end_at \
             WHERE (?3 IS NULL OR m.channel = ?3) \
             GROUP BY p.period, m.channel ORDER BY p.period, m.channel",
        )
        .bind(account.0)
        .bind(spans)
        .bind(query.channel.map(|c| c.as_str()))
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.into_iter()
            .map(|(period, channel, sent, delivered, failed, segments)| {
                Ok(StatsRow {
                    period: NaiveDate::parse_from_str(&period, "%Y-%m-%d").map_err(|err| {
                        StoreError::Backend(anyhow::anyhow!("stats period {period}: {err}"))
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
