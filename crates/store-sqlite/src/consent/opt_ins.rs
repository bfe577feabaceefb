//! Active opt-ins as rows of `opt_ins` (revoking deletes the row), and their count.

use bote_domain::{AccountId, PhoneNumber};
use bote_store::{ConsentSource, OptIn, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use crate::errors::DbResultExt;
use crate::rows::{MAX_PARAMETERS, first_inserted_id, parse, positional_rows};
use crate::time;

/// The account's active opt-ins, from the count the `opt_ins` triggers keep.
pub(super) const ACTIVE_COUNT: &str =
    "SELECT coalesce((SELECT active FROM opt_in_counts WHERE account_id = ?1), 0)";

#[derive(sqlx::FromRow)]
pub(super) struct OptInRow {
    id: i64,
    number: String,
    business_number: Option<String>,
    source: String,
    given_at: DateTime<Utc>,
}

impl TryFrom<OptInRow> for OptIn {
    type Error = StoreError;
    fn try_from(r: OptInRow) -> StoreResult<Self> {
        Ok(OptIn {
            id: r.id,
            number: PhoneNumber::from_e164_unchecked(r.number),
            business_number: r.business_number,
            source: parse("consent source", &r.source)?,
            given_at: r.given_at,
        })
    }
}

pub(super) const OPT_IN_COLUMNS: &str = "id, number, business_number, source, given_at";

pub(super) async fn active(
    conn: &mut SqliteConnection,
    account: AccountId,
    number: &PhoneNumber,
) -> StoreResult<Option<OptIn>> {
    let row: Option<OptInRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {OPT_IN_COLUMNS} FROM opt_ins WHERE account_id = ?1 AND number = ?2"
    )))
    .bind(account.0)
    .bind(number.as_str())
    .fetch_optional(&mut *conn)
    .await
    .db()?;
    row.map(TryInto::try_into).transpose()
}

/// Inserts the opt-ins `wanted[at]` for each `at` in `give`, in that order, and returns
/// them (ids by [`first_inserted_id`]).
pub(super) async fn insert_opt_ins(
    conn: &mut SqliteConnection,
    account: AccountId,
    wanted: &[(PhoneNumber, ConsentSource)],
    give: &[usize],
) -> StoreResult<Vec<OptIn>> {
    let given_at = time::now();
    let at = time::text(given_at);
    let mut given = Vec::with_capacity(give.len());
    for chunk in give.chunks(MAX_PARAMETERS / 5) {
        let sql = format!(
            "INSERT INTO opt_ins (account_id, number, business_number, source, given_at) VALUES {}",
            positional_rows(chunk.len(), 5)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for &i in chunk {
            let (number, source) = &wanted[i];
            q = q
                .bind(account.0)
                .bind(number.as_str())
                .bind(&source.business_number)
                .bind(source.kind.as_str())
                .bind(&at);
        }
        let done = q.execute(&mut *conn).await.db()?;
        let first = first_inserted_id(&done, chunk.len(), "opt-ins")?;
        given.extend(chunk.iter().zip(first..).map(|(&i, id)| {
            let (number, source) = &wanted[i];
            OptIn {
                id,
                number: number.clone(),
                business_number: source.business_number.clone(),
                source: source.kind,
                given_at,
            }
        }));
    }
    Ok(given)
}
