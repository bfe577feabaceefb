//! Fresh planner statistics after a bulk change. PostgreSQL's autovacuum analyses a table
//! once a tenth of it has changed, at its next round (a minute by default), and never where
//! it is turned off; until then every statement is planned against the table as it was.
//! One large send turns a near-empty `messages` table into a million rows, and the claims,
//! planned for a handful of rows, then sorted the whole backlog every time: 776 ms a claim
//! at 1,000,000 queued messages, against 0.2 s once analysed. As the PostgreSQL manual
//! advises after bulk loads, the store analyses the table itself once such a change has
//! committed, at most once per `EVERY`, in the background (`ANALYZE` blocks no reads or
//! writes).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sqlx::PgPool;

/// Rows written to a table since its last analysis for it to be analysed again.
pub(crate) const BULK_ROWS: u64 = 10_000;

/// Shortest time between two analyses of a table by this process.
const EVERY: Duration = Duration::from_secs(60);

/// Per table: rows written since this process last analysed it, and when that was.
#[derive(Debug, Default)]
pub(crate) struct Statistics {
    tables: Mutex<HashMap<&'static str, (u64, Option<Instant>)>>,
}

impl Statistics {
    /// Called after a commit that wrote `rows` rows to each of `tables`; analyses those
    /// that have had `BULK_ROWS` written since their last analysis, `EVERY` ago or more.
    pub fn written(&self, pool: &PgPool, tables: &[&'static str], rows: u64) {
        let due = self.due(tables, rows, Instant::now());
        if due.is_empty() {
            return;
        }
        let pool = pool.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            // The names are the store's own constants.
            let statement = sqlx::AssertSqlSafe(format!("ANALYZE {}", due.join(", ")));
            match sqlx::query(statement).execute(&pool).await {
                Ok(_) => tracing::info!(
                    tables = ?due,
                    took_ms = started.elapsed().as_millis() as u64,
                    "tables analysed after a bulk change"
                ),
                Err(e) => tracing::warn!(tables = ?due, error = %e, "analysing failed"),
            }
        });
    }

    /// Counts `rows` for each of `tables` and returns those to analyse now.
    fn due(&self, tables: &[&'static str], rows: u64, now: Instant) -> Vec<&'static str> {
        let mut all = self
            .tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tables
            .iter()
            .copied()
            .filter(|t| {
                let (since, at) = all.entry(t).or_default();
                *since += rows;
                let due = *since >= BULK_ROWS && at.is_none_or(|at| now - at >= EVERY);
                if due {
                    (*since, *at) = (0, Some(now));
                }
                due
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_is_analysed_once_enough_rows_were_written_and_not_again_within_a_minute() {
        let statistics = Statistics::default();
        let t0 = Instant::now();
        let both = ["messages", "contacts"];
        assert!(statistics.due(&both, BULK_ROWS - 1, t0).is_empty());
        assert_eq!(
            statistics.due(&both[..1], 1, t0),
            ["messages"],
            "rows add up"
        );
        assert_eq!(statistics.due(&both, BULK_ROWS, t0), ["contacts"]);
        let soon = t0 + Duration::from_secs(30);
        assert!(
            statistics.due(&both, BULK_ROWS, soon).is_empty(),
            "within EVERY"
        );
        let later = t0 + EVERY;
        assert_eq!(
            statistics.due(&both, 0, later),
            both,
            "counted while waiting"
        );
        assert!(
            statistics
                .due(&both, BULK_ROWS - 1, later + EVERY)
                .is_empty()
        );
    }
}
