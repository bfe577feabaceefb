//! Opt-ins, the consent ledger and keyword settings (see `bote_store::ConsentStore`).
//! Every change runs in one `BEGIN IMMEDIATE` transaction, which also serialises the cap
//! check against concurrent opt-ins.

mod contacts;
mod ledger;
mod opt_ins;

use std::collections::HashSet;

use bote_domain::{AccountId, ChannelKind, GroupCode, PhoneNumber};
use bote_store::{
    ConsentEvent, ConsentSource, ConsentStore, GroupMove, KeywordSettings, LedgerEntry, OptIn,
    OptInBatch, OptInResult, Page, StoreError, StoreResult, group_batch, revoked_in_order,
};
use sqlx::SqliteConnection;

use self::contacts::{contacts_for, known_contacts};
use self::ledger::{LedgerRow, record_many};
use self::opt_ins::{ACTIVE_COUNT, OPT_IN_COLUMNS, OptInRow, active, insert_opt_ins};
use crate::errors::DbResultExt;
use crate::rows::{id_array, text_array};
use crate::{SqliteStore, time};

pub(crate) use self::ledger::record;

async fn group_id(
    conn: &mut SqliteConnection,
    account: AccountId,
    group: &GroupCode,
) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT id FROM groups WHERE account_id = ?1 AND code = ?2")
        .bind(account.0)
        .bind(group.as_str())
        .fetch_optional(&mut *conn)
        .await
        .db()?
        .ok_or_else(|| StoreError::Unknown {
            what: "group",
            value: group.to_string(),
        })
}

#[async_trait::async_trait]
impl ConsentStore for SqliteStore {
    async fn give_opt_ins(
        &self,
        account: AccountId,
        wanted: &[(PhoneNumber, ConsentSource)],
        cap: Option<u64>,
    ) -> StoreResult<Vec<OptInResult>> {
        let mut batch = OptInBatch::new(wanted)?;
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let numbers_json = text_array(wanted.iter().map(|(n, _)| n.as_str()));
        let mut tx = crate::write::begin(self).await?;
        let existing: Vec<OptInRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {OPT_IN_COLUMNS} FROM opt_ins WHERE account_id = ?1 \
             AND number IN (SELECT value FROM json_each(?2))"
        )))
        .bind(account.0)
        .bind(&numbers_json)
        .fetch_all(&mut *tx)
        .await
        .db()?;
        batch.already_active(
            existing
                .into_iter()
                .map(TryInto::try_into)
                .collect::<StoreResult<_>>()?,
        );
        let active = match cap {
            Some(_) => {
                let count: i64 = sqlx::query_scalar(ACTIVE_COUNT)
                    .bind(account.0)
                    .fetch_one(&mut *tx)
                    .await
                    .db()?;
                count.max(0) as u64
            }
            None => 0,
        };
        let (give, refuse) = batch.split(active, cap);
        let given = insert_opt_ins(&mut tx, account, wanted, &give).await?;
        let entries = OptInBatch::ledger(wanted, &give, &refuse);
        record_many(&mut tx, account, &entries, None).await?;
        let given_numbers: Vec<&str> = give.iter().map(|&at| wanted[at].0.as_str()).collect();
        let contacts =
            contacts_for(&mut tx, account, &given_numbers, ChannelKind::Whatsapp).await?;
        let results = batch.finish_with(given, &contacts)?;
        tx.commit().await.db()?;
        Ok(results)
    }

    async fn revoke_opt_ins(
        &self,
        account: AccountId,
        wanted: &[(PhoneNumber, ConsentSource)],
    ) -> StoreResult<Vec<bool>> {
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = crate::write::begin(self).await?;
        let gone: HashSet<String> = sqlx::query_scalar(
            "DELETE FROM opt_ins WHERE account_id = ?1 \
             AND number IN (SELECT value FROM json_each(?2)) RETURNING number",
        )
        .bind(account.0)
        .bind(text_array(wanted.iter().map(|(n, _)| n.as_str())))
        .fetch_all(&mut *tx)
        .await
        .db()?
        .into_iter()
        .collect();
        let revoked = revoked_in_order(wanted, &gone);
        record_many(&mut tx, account, &revoked.entries, None).await?;
        tx.commit().await.db()?;
        Ok(revoked.answers)
    }

    async fn join_groups(
        &self,
        account: AccountId,
        channel: ChannelKind,
        group: &GroupCode,
        wanted: &[(PhoneNumber, ConsentSource)],
    ) -> StoreResult<Vec<GroupMove>> {
        let numbers = group_batch::distinct_numbers(wanted)?;
        if numbers.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = crate::write::begin(self).await?;
        let group_id = group_id(&mut tx, account, group).await?;
        let contacts = contacts_for(&mut tx, account, &numbers, channel).await?;
        let joined: HashSet<i64> = sqlx::query_scalar(
            "INSERT INTO group_members (group_id, contact_id, account_id, created_at) \
             SELECT ?1, value, ?3, ?4 FROM json_each(?2) WHERE true \
             ON CONFLICT DO NOTHING RETURNING contact_id",
        )
        .bind(group_id)
        .bind(id_array(contacts.values().map(|c| c.0)))
        .bind(account.0)
        .bind(time::text(time::now()))
        .fetch_all(&mut *tx)
        .await
        .db()?
        .into_iter()
        .collect();
        let (moves, entries) =
            group_batch::moves(wanted, &contacts, &joined, ConsentEvent::GroupJoined);
        record_many(&mut tx, account, &entries, Some(group)).await?;
        tx.commit().await.db()?;
        Ok(moves)
    }

    async fn leave_groups(
        &self,
        account: AccountId,
        channel: ChannelKind,
        group: &GroupCode,
        wanted: &[(PhoneNumber, ConsentSource)],
    ) -> StoreResult<Vec<GroupMove>> {
        let numbers = group_batch::distinct_numbers(wanted)?;
        if numbers.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = crate::write::begin(self).await?;
        let group_id = group_id(&mut tx, account, group).await?;
        let contacts = known_contacts(&mut tx, account, &numbers, channel).await?;
        let left: HashSet<i64> = sqlx::query_scalar(
            "DELETE FROM group_members WHERE group_id = ?1 \
             AND contact_id IN (SELECT value FROM json_each(?2)) RETURNING contact_id",
        )
        .bind(group_id)
        .bind(id_array(contacts.values().map(|c| c.0)))
        .fetch_all(&mut *tx)
        .await
        .db()?
        .into_iter()
        .collect();
        let (moves, entries) =
            group_batch::moves(wanted, &contacts, &left, ConsentEvent::GroupLeft);
        record_many(&mut tx, account, &entries, Some(group)).await?;
        tx.commit().await.db()?;
        Ok(moves)
    }

    async fn list_opt_ins(
        &self,
        account: AccountId,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Page<OptIn>> {
        let limit = limit.max(1);
        let rows: Vec<OptInRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {OPT_IN_COLUMNS} FROM opt_ins WHERE account_id = ?1 \
             AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3"
        )))
        .bind(account.0)
        .bind(before)
        .bind(i64::from(limit) + 1)
        .fetch_all(self.pool())
        .await
        .db()?;
        let mut items = rows
            .into_iter()
            .map(TryInto::try_into)
            .collect::<StoreResult<Vec<OptIn>>>()?;
        let next_after = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|o| o.id)
        } else {
            None
        };
        Ok(Page { items, next_after })
    }

    async fn active_opt_in(
        &self,
        account: AccountId,
        number: &PhoneNumber,
    ) -> StoreResult<Option<OptIn>> {
        let mut conn = self.pool().acquire().await.db()?;
        active(&mut conn, account, number).await
    }

    async fn active_opt_in_count(&self, account: AccountId) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar(ACTIVE_COUNT)
            .bind(account.0)
            .fetch_one(self.pool())
            .await
            .db()?;
        Ok(n.max(0) as u64)
    }

    async fn consent_ledger(
        &self,
        account: AccountId,
        number: &PhoneNumber,
    ) -> StoreResult<Vec<LedgerEntry>> {
        let rows: Vec<LedgerRow> = sqlx::query_as(
            "SELECT id, number, event, source, reference, text, business_number, group_code, at \
             FROM consent_ledger WHERE account_id = ?1 AND number = ?2 ORDER BY id",
        )
        .bind(account.0)
        .bind(number.as_str())
        .fetch_all(self.pool())
        .await
        .db()?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn keyword_settings(&self, account: AccountId) -> StoreResult<KeywordSettings> {
        let json: Option<String> =
            sqlx::query_scalar("SELECT settings FROM keyword_settings WHERE account_id = ?1")
                .bind(account.0)
                .fetch_optional(self.pool())
                .await
                .db()?;
        match json {
            None => Ok(KeywordSettings::default()),
            Some(j) => serde_json::from_str(&j).map_err(|e| {
                StoreError::Backend(anyhow::anyhow!("stored keyword settings are invalid: {e}"))
            }),
        }
    }

    async fn set_keyword_settings(
        &self,
        account: AccountId,
        settings: &KeywordSettings,
    ) -> StoreResult<()> {
        let json = serde_json::to_string(settings).map_err(|e| StoreError::Backend(e.into()))?;
        sqlx::query(
            "INSERT INTO keyword_settings (account_id, settings, updated_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (account_id) DO UPDATE SET settings = excluded.settings, \
             updated_at = excluded.updated_at",
        )
        .bind(account.0)
        .bind(json)
        .bind(time::text(time::now()))
        .execute(self.pool())
        .await
        .map_err(|e| {
            if crate::errors::is_foreign_key_violation(&e) {
                StoreError::NotFound("account")
            } else {
                crate::errors::backend(e)
            }
        })?;
        Ok(())
    }

    async fn forget_inbound(&self, account: AccountId, ids: &[i64]) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids = serde_json::to_string(ids).map_err(|e| StoreError::Backend(e.into()))?;
        sqlx::query(
            "DELETE FROM inbound_messages WHERE account_id = ?1 \
             AND id IN (SELECT value FROM json_each(?2))",
        )
        .bind(account.0)
        .bind(ids)
        .execute(self.pool())
        .await
        .db()?;
        Ok(())
    }
}
