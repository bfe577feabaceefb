//! The WhatsApp add-on per account and the inbound callback setting.

use bote_domain::{AccountId, Package, UserId};
use bote_store::{
    Activated, Activation, AddonState, AddonStore, StoreError, StoreResult, WhatsappAddon,
};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::SqliteConnection;

use crate::errors::DbResultExt;
use crate::rows::parse;
use crate::{SqliteStore, time};

#[derive(sqlx::FromRow)]
struct AddonRow {
    account_id: i64,
    package: String,
    activated_at: DateTime<Utc>,
    activated_by: Option<i64>,
    expected_on: NaiveDate,
    previous_package: Option<String>,
    opt_ins_reset_at: Option<DateTime<Utc>>,
    active: bool,
}

impl TryFrom<AddonRow> for WhatsappAddon {
    type Error = StoreError;
    fn try_from(r: AddonRow) -> StoreResult<Self> {
        Ok(WhatsappAddon {
            account: AccountId(r.account_id),
            package: parse("package", &r.package)?,
            state: if r.active {
                AddonState::Active
            } else {
                AddonState::Pending
            },
            activated_at: r.activated_at,
            activated_by: r.activated_by.map(UserId),
            expected_on: r.expected_on,
            previous_package: r
                .previous_package
                .as_deref()
                .map(|p| parse("package", p))
                .transpose()?,
            opt_ins_reset_at: r.opt_ins_reset_at,
        })
    }
}

/// The state is derived: active once the account has a WhatsApp business number (R4).
const ADDON_SELECT: &str = "SELECT a.account_id, a.package, a.activated_at, a.activated_by, \
     a.expected_on, a.previous_package, a.opt_ins_reset_at, \
     EXISTS (SELECT 1 FROM business_numbers n WHERE n.account_id = a.account_id \
             AND n.channel = 'whatsapp') AS active \
     FROM whatsapp_addons a WHERE ?1 IS NULL OR a.account_id = ?1 ORDER BY a.account_id";

async fn addons(
    conn: &mut SqliteConnection,
    account: Option<AccountId>,
) -> StoreResult<Vec<WhatsappAddon>> {
    let rows: Vec<AddonRow> = sqlx::query_as(ADDON_SELECT)
        .bind(account.map(|a| a.0))
        .fetch_all(conn)
        .await
        .db()?;
    rows.into_iter().map(TryInto::try_into).collect()
}

#[async_trait::async_trait]
impl AddonStore for SqliteStore {
    async fn activate_whatsapp(&self, a: Activation) -> StoreResult<Activated> {
        let mut tx = crate::write::begin(self).await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE id = ?1")
            .bind(a.account.0)
            .fetch_optional(&mut *tx)
            .await
            .db()?;
        if exists.is_none() {
            return Err(StoreError::NotFound("account"));
        }
        let current = addons(&mut tx, Some(a.account)).await?.pop();
        let previous: Option<Package> = current.as_ref().map(|c| c.package);
        if let Some(addon) = current
            && addon.package == a.package
        {
            tx.commit().await.db()?;
            return Ok(Activated {
                addon,
                opt_ins_must_reset: false,
                changed: false,
            });
        }
        let must_reset = previous.is_some_and(|p| p.upgrade_needs_new_opt_ins(a.package));
        if must_reset && !a.reset_opt_ins {
            return Err(StoreError::Conflict {
                what: "whatsapp package",
                value: Package::Small.as_str().to_owned(),
            });
        }
        let now = time::text(time::now());
        sqlx::query(
            "INSERT INTO whatsapp_addons (account_id, package, activated_at, activated_by, \
             expected_on) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (account_id) DO UPDATE SET package = excluded.package, \
             activated_at = excluded.activated_at, activated_by = excluded.activated_by, \
             expected_on = excluded.expected_on, \
             previous_package = CASE WHEN ?6 THEN whatsapp_addons.package ELSE previous_package END, \
             opt_ins_reset_at = CASE WHEN ?6 THEN ?7 ELSE opt_ins_reset_at END",
        )
        .bind(a.account.0)
        .bind(a.package.as_str())
        .bind(time::text(a.activated_at))
        .bind(a.activated_by.map(|u| u.0))
        .bind(a.expected_on)
        .bind(must_reset)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .db()?;
        let addon = addons(&mut tx, Some(a.account))
            .await?
            .pop()
            .ok_or(StoreError::NotFound("whatsapp add-on"))?;
        tx.commit().await.db()?;
        Ok(Activated {
            addon,
            opt_ins_must_reset: must_reset,
            changed: true,
        })
    }

    async fn deactivate_whatsapp(&self, account: AccountId) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM whatsapp_addons WHERE account_id = ?1")
            .bind(account.0)
            .execute(self.pool())
            .await
            .db()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("whatsapp add-on"));
        }
        Ok(())
    }

    async fn whatsapp_addon(&self, account: AccountId) -> StoreResult<Option<WhatsappAddon>> {
        let mut conn = self.pool().acquire().await.db()?;
        Ok(addons(&mut conn, Some(account)).await?.pop())
    }

    async fn whatsapp_addons(&self) -> StoreResult<Vec<WhatsappAddon>> {
        let mut conn = self.pool().acquire().await.db()?;
        addons(&mut conn, None).await
    }

    async fn inbound_callback_url(&self, account: AccountId) -> StoreResult<Option<String>> {
        let url: Option<Option<String>> =
            sqlx::query_scalar("SELECT inbound_callback_url FROM accounts WHERE id = ?1")
                .bind(account.0)
                .fetch_optional(self.pool())
                .await
                .db()?;
        url.ok_or(StoreError::NotFound("account"))
    }

    async fn set_inbound_callback_url(
        &self,
        account: AccountId,
        url: Option<&str>,
    ) -> StoreResult<()> {
        let done = sqlx::query("UPDATE accounts SET inbound_callback_url = ?2 WHERE id = ?1")
            .bind(account.0)
            .bind(url)
            .execute(self.pool())
            .await
            .db()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("account"));
        }
        Ok(())
    }

    async fn enqueue_inbound_callbacks(
        &self,
        account: AccountId,
        inbound: &[i64],
    ) -> StoreResult<u64> {
        if inbound.is_empty() {
            return Ok(0);
        }
        let ids = serde_json::to_string(inbound).map_err(|e| StoreError::Backend(e.into()))?;
        let done = sqlx::query(
            "INSERT INTO callbacks (account_id, inbound_id, url, kind, next_attempt_at, created_at) \
             SELECT a.id, i.id, a.inbound_callback_url, 'inbound', ?3, ?3 \
             FROM inbound_messages i JOIN accounts a ON a.id = i.account_id \
             WHERE i.id IN (SELECT value FROM json_each(?2)) AND a.id = ?1 \
             AND a.inbound_callback_url IS NOT NULL ORDER BY i.id \
             ON CONFLICT (inbound_id) WHERE inbound_id IS NOT NULL DO NOTHING",
        )
        .bind(account.0)
        .bind(ids)
        .bind(time::text(time::now()))
        .execute(self.pool())
        .await
        .db()?;
        Ok(done.rows_affected())
    }
}
