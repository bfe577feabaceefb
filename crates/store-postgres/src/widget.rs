//! The opt-in widget (see `bote_store::WidgetStore`): one row per account, its look as JSON.

use bote_domain::{AccountId, PhoneNumber};
use bote_store::{
    ConsentEvent, ConsentSource, StoreError, StoreResult, Widget, WidgetLook, WidgetStore,
};
use chrono::Utc;

use crate::PostgresStore;
use crate::errors::backend;

#[derive(sqlx::FromRow)]
struct WidgetRow {
    account_id: i64,
    public_id: String,
    look: String,
}

impl TryFrom<WidgetRow> for Widget {
    type Error = StoreError;
    fn try_from(r: WidgetRow) -> StoreResult<Self> {
        Ok(Widget {
            account: AccountId(r.account_id),
            public_id: r.public_id,
            look: serde_json::from_str(&r.look).map_err(|e| {
                StoreError::Backend(anyhow::anyhow!("a stored widget look is invalid: {e}"))
            })?,
        })
    }
}

const SELECT: &str = "SELECT account_id, public_id, look::text AS look FROM widgets";

/// Upserts the account's widget row: a new row gets a random public id (a random UUID's
/// 32 hex digits) and `look`; an existing row gets `look` only when `replace` is set.
async fn upsert(
    store: &PostgresStore,
    account: AccountId,
    look: &WidgetLook,
    replace: bool,
) -> StoreResult<Widget> {
    let on_conflict = if replace {
        "DO UPDATE SET look = excluded.look, updated_at = excluded.updated_at"
    } else {
        "DO NOTHING"
    };
    let json = serde_json::to_string(look).map_err(|e| StoreError::Backend(e.into()))?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO widgets (account_id, public_id, look, updated_at) \
         VALUES ($1, replace(gen_random_uuid()::text, '-', ''), $2::jsonb, $3) \
         ON CONFLICT (account_id) {on_conflict}"
    )))
    .bind(account.0)
    .bind(json)
    .bind(Utc::now())
    .execute(&store.pool)
    .await
    .map_err(|e| {
        let missing = e
            .as_database_error()
            .is_some_and(|db| db.constraint() == Some("widgets_account_fkey"));
        if missing {
            StoreError::NotFound("account")
        } else {
            backend(e)
        }
    })?;
    let row: WidgetRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE account_id = $1"
    )))
    .bind(account.0)
    .fetch_one(&store.pool)
    .await
    .map_err(backend)?;
    row.try_into()
}

#[async_trait::async_trait]
impl WidgetStore for PostgresStore {
    async fn widget(&self, account: AccountId) -> StoreResult<Widget> {
        upsert(self, account, &WidgetLook::default(), false).await
    }

    async fn widget_by_public_id(&self, public_id: &str) -> StoreResult<Option<Widget>> {
        let row: Option<WidgetRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE public_id = $1"
        )))
        .bind(public_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn set_widget_look(&self, account: AccountId, look: &WidgetLook) -> StoreResult<Widget> {
        upsert(self, account, look, true).await
    }

    async fn record_widget_request(
        &self,
        account: AccountId,
        number: &PhoneNumber,
        source: ConsentSource,
    ) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        crate::consent::record(
            &mut conn,
            account,
            number,
            ConsentEvent::WidgetRequest,
            &source,
            None,
        )
        .await
    }
}
