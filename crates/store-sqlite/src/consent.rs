//! Opt-ins, the consent ledger and keyword settings (see `bote_store::ConsentStore`).
//! Every change runs in one `BEGIN IMMEDIATE` transaction, which also serialises the cap
//! check against concurrent opt-ins.

use std::collections::{HashMap, HashSet};

use bote_domain::{AccountId, ChannelKind, ContactId, GroupCode, PhoneNumber};
use bote_store::{
    ConsentEvent, ConsentSource, ConsentStore, GroupMove, KeywordSettings, LedgerEntry,
    NewLedgerEntry, OptIn, OptInBatch, OptInResult, Page, StoreError, StoreResult, group_batch,
    revoked_in_order,
};
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use crate::errors::DbResultExt;
use crate::rows::{
    MAX_PARAMETERS, first_inserted_id, id_array, json_rows, parse, positional_rows, text_array,
};
use crate::{SqliteStore, time};

/// The account's active opt-ins, from the count the `opt_ins` triggers keep.
const ACTIVE_COUNT: &str =
    "SELECT coalesce((SELECT active FROM opt_in_counts WHERE account_id = ?1), 0)";

#[derive(sqlx::FromRow)]
struct OptInRow {
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

#[derive(sqlx::FromRow)]
struct LedgerRow {
    id: i64,
    number: String,
    event: String,
    source: String,
    reference: Option<String>,
    text: Option<String>,
    business_number: Option<String>,
    group_code: Option<String>,
    at: DateTime<Utc>,
}

impl TryFrom<LedgerRow> for LedgerEntry {
    type Error = StoreError;
    fn try_from(r: LedgerRow) -> StoreResult<Self> {
        Ok(LedgerEntry {
            id: r.id,
            number: PhoneNumber::from_e164_unchecked(r.number),
            event: parse("consent event", &r.event)?,
            source: parse("consent source", &r.source)?,
            reference: r.reference,
            text: r.text,
            business_number: r.business_number,
            group: r.group_code.map(GroupCode::from_stored),
            at: r.at,
        })
    }
}

const OPT_IN_COLUMNS: &str = "id, number, business_number, source, given_at";

async fn active(
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

/// Appends one ledger entry.
pub(crate) async fn record(
    conn: &mut SqliteConnection,
    account: AccountId,
    number: &PhoneNumber,
    event: ConsentEvent,
    source: &ConsentSource,
    group: Option<&GroupCode>,
) -> StoreResult<()> {
    record_many(conn, account, &[(number, event, source)], group).await
}

/// Appends ledger entries in the order given, in one statement per 3,640 (nine parameters
/// each).
async fn record_many(
    conn: &mut SqliteConnection,
    account: AccountId,
    entries: &[NewLedgerEntry<'_>],
    group: Option<&GroupCode>,
) -> StoreResult<()> {
    let at = time::text(time::now());
    let group = group.map(GroupCode::as_str);
    for chunk in entries.chunks(MAX_PARAMETERS / 9) {
        let sql = format!(
            "INSERT INTO consent_ledger (account_id, number, event, source, reference, text, \
             business_number, group_code, at) VALUES {}",
            positional_rows(chunk.len(), 9)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (number, event, source) in chunk {
            q = q
                .bind(account.0)
                .bind(number.as_str())
                .bind(event.as_str())
                .bind(source.kind.as_str())
                .bind(&source.reference)
                .bind(&source.text)
                .bind(&source.business_number)
                .bind(group)
                .bind(&at);
        }
        q.execute(&mut *conn).await.db()?;
    }
    Ok(())
}

/// Inserts the opt-ins `wanted[at]` for each `at` in `give`, in that order, and returns
/// them (ids by [`first_inserted_id`]).
async fn insert_opt_ins(
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

/// For each of `numbers`: the contact that has it on `channel`; else the one that has it
/// on the other channel and none on this one, which gains it; else a new contact with it
/// (R9). At most three statements; only the second (numbers known on the other channel
/// only, few) hands back a row per contact.
async fn contacts_for(
    conn: &mut SqliteConnection,
    account: AccountId,
    numbers: &[&str],
    channel: ChannelKind,
) -> StoreResult<HashMap<String, ContactId>> {
    let (column, other) = match channel {
        ChannelKind::Whatsapp => ("whatsapp_number", "sms_number"),
        ChannelKind::Sms => ("sms_number", "whatsapp_number"),
    };
    if numbers.is_empty() {
        return Ok(HashMap::new());
    }
    let now = time::text(time::now());
    let known: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT json_group_array(json_array({column}, id)) FROM contacts \
         WHERE account_id = ?1 AND {column} IN (SELECT value FROM json_each(?2))"
    )))
    .bind(account.0)
    .bind(text_array(numbers.iter().copied()))
    .fetch_one(&mut *conn)
    .await
    .db()?;
    let mut found: HashMap<String, ContactId> =
        json_rows::<Vec<(String, i64)>>("contacts", &known)?
            .into_iter()
            .map(|(n, id)| (n, ContactId(id)))
            .collect();
    let rest = |found: &HashMap<String, ContactId>| -> Vec<&str> {
        numbers
            .iter()
            .copied()
            .filter(|n| !found.contains_key(*n))
            .collect()
    };
    let gaining = rest(&found);
    if !gaining.is_empty() {
        let rows: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE contacts SET {column} = {other}, updated_at = ?3 WHERE account_id = ?1 \
             AND {other} IN (SELECT value FROM json_each(?2)) AND {column} IS NULL \
             RETURNING {column}, id"
        )))
        .bind(account.0)
        .bind(text_array(gaining.iter().copied()))
        .bind(&now)
        .fetch_all(&mut *conn)
        .await
        .db()?;
        found.extend(rows.into_iter().map(|(n, id)| (n, ContactId(id))));
    }
    let new = rest(&found);
    if !new.is_empty() {
        let done = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO contacts (account_id, {column}, fields, created_at, updated_at) \
             SELECT ?1, value, '{{}}', ?3, ?3 FROM json_each(?2) ORDER BY key"
        )))
        .bind(account.0)
        .bind(text_array(new.iter().copied()))
        .bind(&now)
        .execute(&mut *conn)
        .await
        .db()?;
        let first = first_inserted_id(&done, new.len(), "contacts")?;
        found.extend(
            new.iter()
                .zip(first..)
                .map(|(n, id)| ((*n).to_owned(), ContactId(id))),
        );
    }
    Ok(found)
}

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
        let numbers: Vec<&str> = wanted.iter().map(|(n, _)| n.as_str()).collect();
        let numbers_json =
            serde_json::to_string(&numbers).map_err(|e| StoreError::Backend(e.into()))?;
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
        let numbers: Vec<&str> = wanted.iter().map(|(n, _)| n.as_str()).collect();
        let mut tx = crate::write::begin(self).await?;
        let gone: HashSet<String> = sqlx::query_scalar(
            "DELETE FROM opt_ins WHERE account_id = ?1 \
             AND number IN (SELECT value FROM json_each(?2)) RETURNING number",
        )
        .bind(account.0)
        .bind(serde_json::to_string(&numbers).map_err(|e| StoreError::Backend(e.into()))?)
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
        let column = match channel {
            ChannelKind::Whatsapp => "whatsapp_number",
            ChannelKind::Sms => "sms_number",
        };
        let mut tx = crate::write::begin(self).await?;
        let group_id = group_id(&mut tx, account, group).await?;
        let contacts: HashMap<String, ContactId> =
            sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(format!(
                "SELECT {column}, id FROM contacts WHERE account_id = ?1 \
                 AND {column} IN (SELECT value FROM json_each(?2))"
            )))
            .bind(account.0)
            .bind(text_array(numbers.iter().copied()))
            .fetch_all(&mut *tx)
            .await
            .db()?
            .into_iter()
            .map(|(number, id)| (number, ContactId(id)))
            .collect();
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

#[cfg(test)]
mod tests {
    use bote_domain::{AccountKind, PhoneNumber};
    use bote_store::{AccountStore, ConsentSource, ConsentStore, NewAccount, SourceKind};

    use crate::SqliteStore;

    /// The ledger is proof of consent: the database itself refuses to rewrite an entry.
    #[tokio::test]
    async fn ledger_entries_cannot_be_updated() {
        let store = SqliteStore::temporary().await.unwrap();
        let account = store
            .create_account(NewAccount {
                name: "A".into(),
                kind: AccountKind::Business,
                trial_ends_at: None,
                verified_number: None,
                time_zone: None,
            })
            .await
            .unwrap()
            .id;
        let number = PhoneNumber::from_e164_unchecked("+436761000001".to_owned());
        let source = ConsentSource {
            kind: SourceKind::Keyword,
            reference: Some("1".into()),
            text: Some("START".into()),
            business_number: None,
        };
        store
            .give_opt_in(account, &number, source, None)
            .await
            .unwrap();
        let err = sqlx::query("UPDATE consent_ledger SET text = 'forged'")
            .execute(store.pool())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
        let ledger = store.consent_ledger(account, &number).await.unwrap();
        assert_eq!(ledger[0].text.as_deref(), Some("START"));
    }
}
