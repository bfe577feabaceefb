//! The opt-in widget (see `bote_store::WidgetStore`): one row per account, its look as JSON.

use bote_domain::{AccountId, PhoneNumber};
use bote_store::{
    ConsentEvent, ConsentSource, StoreError, StoreResult, Widget, WidgetLook, WidgetStore,
};

use crate::errors::{DbResultExt, backend, is_foreign_key_violation};
use crate::{SqliteStore, time};

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
            look: look_from_json(&r.look)?,
        })
    }
}

fn look_from_json(json: &str) -> StoreResult<WidgetLook> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Backend(anyhow::anyhow!("a stored widget look is invalid: {e}")))
}

fn look_to_json(look: &WidgetLook) -> StoreResult<String> {
    serde_json::to_string(look).map_err(|e| StoreError::Backend(e.into()))
}

fn missing_account(e: sqlx::Error) -> StoreError {
    if is_foreign_key_violation(&e) {
        StoreError::NotFound("account")
    } else {
        backend(e)
    }
}

/// Upserts the account's widget row: a new row gets a random public id (16 random bytes,
/// hex) and `look`; an existing row gets `look` only when `replace` is set.
async fn upsert(
    store: &SqliteStore,
    account: AccountId,
    look: &WidgetLook,
    replace: bool,
) -> StoreResult<Widget> {
    let on_conflict = if replace {
        "DO UPDATE SET look = excluded.look, updated_at = excluded.updated_at"
    } else {
        "DO NOTHING"
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO widgets (account_id, public_id, look, updated_at) \
         VALUES (?1, lower(hex(randomblob(16))), ?2, ?3) ON CONFLICT (account_id) {on_conflict}"
    )))
    .bind(account.0)
    .bind(look_to_json(look)?)
    .bind(time::text(time::now()))
    .execute(store.pool())
    .await
    .map_err(missing_account)?;
    let row: WidgetRow =
        sqlx::query_as("SELECT account_id, public_id, look FROM widgets WHERE account_id = ?1")
            .bind(account.0)
            .fetch_one(store.pool())
            .await
            .db()?;
    row.try_into()
}

#[async_trait::async_trait]
impl WidgetStore for SqliteStore {
    async fn widget(&self, account: AccountId) -> StoreResult<Widget> {
        upsert(self, account, &WidgetLook::default(), false).await
    }

    async fn widget_by_public_id(&self, public_id: &str) -> StoreResult<Option<Widget>> {
        let row: Option<WidgetRow> =
            sqlx::query_as("SELECT account_id, public_id, look FROM widgets WHERE public_id = ?1")
                .bind(public_id)
                .fetch_optional(self.pool())
                .await
                .db()?;
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
        let mut conn = self.pool().acquire().await.db()?;
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
