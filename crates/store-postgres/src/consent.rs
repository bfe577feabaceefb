//! Opt-ins, the consent ledger and keyword settings (see `bote_store::ConsentStore`).
//! Every change runs in one transaction that first locks the account's row, which
//! serialises consent changes of one account (the cap check, contact creation).

use std::collections::{HashMap, HashSet};

use bote_domain::{AccountId, ChannelKind, ContactId, GroupCode, PhoneNumber};
use bote_store::{
    ConsentEvent, ConsentSource, ConsentStore, GroupMove, KeywordSettings, LedgerEntry,
    NewLedgerEntry, OptIn, OptInBatch, OptInResult, Page, StoreError, StoreResult, group_batch,
    revoked_in_order,
};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::PostgresStore;
use crate::errors::backend;

/// `.db()` on a sqlx result: any failure is a back-end error.
trait Db<T> {
    fn db(self) -> StoreResult<T>;
}

impl<T> Db<T> for Result<T, sqlx::Error> {
    fn db(self) -> StoreResult<T> {
        self.map_err(backend)
    }
}

fn parse<T: std::str::FromStr>(what: &str, value: &str) -> StoreResult<T>
where
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e| {
        StoreError::Backend(anyhow::anyhow!("stored {what} '{value}' is invalid: {e}"))
    })
}

/// Locks the account's row for the transaction; `NotFound("account")` when there is none.
async fn lock_account(conn: &mut PgConnection, account: AccountId) -> StoreResult<()> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM accounts WHERE id = $1 FOR NO KEY UPDATE")
            .bind(account.0)
            .fetch_optional(&mut *conn)
            .await
            .db()?;
    found.map(|_| ()).ok_or(StoreError::NotFound("account"))
}

/// The account's active opt-ins, from the count the `opt_ins` triggers keep.
const ACTIVE_COUNT: &str =
    "SELECT coalesce((SELECT active FROM opt_in_counts WHERE account_id = $1), 0)";

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
    conn: &mut PgConnection,
    account: AccountId,
    number: &PhoneNumber,
) -> StoreResult<Option<OptIn>> {
    let row: Option<OptInRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {OPT_IN_COLUMNS} FROM opt_ins WHERE account_id = $1 AND number = $2"
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
    conn: &mut PgConnection,
    account: AccountId,
    number: &PhoneNumber,
    event: ConsentEvent,
    source: &ConsentSource,
    group: Option<&GroupCode>,
) -> StoreResult<()> {
    record_many(conn, account, &[(number, event, source)], group).await
}

/// Appends ledger entries in one statement, in the order given.
async fn record_many(
    conn: &mut PgConnection,
    account: AccountId,
    entries: &[NewLedgerEntry<'_>],
    group: Option<&GroupCode>,
) -> StoreResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let column = |f: fn(&NewLedgerEntry<'_>) -> Option<String>| {
        entries.iter().map(f).collect::<Vec<Option<String>>>()
    };
    sqlx::query(
        "INSERT INTO consent_ledger (account_id, number, event, source, reference, text, \
         business_number, group_code, at) \
         SELECT $1, n, e, k, r, t, b, $8, $9 \
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) \
         WITH ORDINALITY AS x(n, e, k, r, t, b, o) ORDER BY o",
    )
    .bind(account.0)
    .bind(column(|(n, _, _)| Some(n.as_str().to_owned())))
    .bind(column(|(_, e, _)| Some(e.as_str().to_owned())))
    .bind(column(|(_, _, s)| Some(s.kind.as_str().to_owned())))
    .bind(column(|(_, _, s)| s.reference.clone()))
    .bind(column(|(_, _, s)| s.text.clone()))
    .bind(column(|(_, _, s)| s.business_number.clone()))
    .bind(group.map(GroupCode::as_str))
    .bind(Utc::now())
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(())
}

/// For each of `numbers`: the contact that has it on `channel`; else the one that has it
/// on the other channel and none on this one, which gains it; else a new contact with it
/// (R9). At most three statements.
///
/// Numbers are joined as a relation (`unnest`), never filtered with `= ANY($n)`: without
/// statistics (a new or fast-growing table) the planner could filter every contact against
/// the whole array, which took 1.5 s for 2,000 numbers among 19,000 contacts.
async fn contacts_for(
    conn: &mut PgConnection,
    account: AccountId,
    numbers: &[&str],
    channel: ChannelKind,
) -> StoreResult<HashMap<String, ContactId>> {
    let (column, other) = match channel {
        ChannelKind::Whatsapp => ("whatsapp_number", "sms_number"),
        ChannelKind::Sms => ("sms_number", "whatsapp_number"),
    };
    let now = Utc::now();
    let mut found: HashMap<String, ContactId> = HashMap::with_capacity(numbers.len());
    let steps = [
        format!(
            "SELECT c.{column}, c.id FROM unnest($2::text[]) AS n \
             JOIN contacts c ON c.account_id = $1 AND c.{column} = n"
        ),
        format!(
            "UPDATE contacts c SET {column} = c.{other}, updated_at = $3 \
             FROM unnest($2::text[]) AS n WHERE c.account_id = $1 AND c.{other} = n \
             AND c.{column} IS NULL RETURNING c.{column}, c.id"
        ),
        format!(
            "INSERT INTO contacts (account_id, {column}, fields, created_at, updated_at) \
             SELECT $1, n, '{{}}', $3, $3 FROM unnest($2::text[]) WITH ORDINALITY AS x(n, o) \
             ORDER BY o RETURNING {column}, id"
        ),
    ];
    for step in steps {
        let rest: Vec<&str> = numbers
            .iter()
            .copied()
            .filter(|n| !found.contains_key(*n))
            .collect();
        if rest.is_empty() {
            break;
        }
        let rows: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(step))
            .bind(account.0)
            .bind(&rest)
            .bind(now)
            .fetch_all(&mut *conn)
            .await
            .db()?;
        found.extend(rows.into_iter().map(|(n, id)| (n, ContactId(id))));
    }
    Ok(found)
}

async fn group_id(
    conn: &mut PgConnection,
    account: AccountId,
    group: &GroupCode,
) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT id FROM groups WHERE account_id = $1 AND code = $2")
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
impl ConsentStore for PostgresStore {
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
        let mut tx = self.pool.begin().await.db()?;
        lock_account(&mut tx, account).await?;
        let existing: Vec<OptInRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {OPT_IN_COLUMNS} FROM unnest($2::text[]) AS n \
             JOIN opt_ins ON account_id = $1 AND number = n"
        )))
        .bind(account.0)
        .bind(&numbers)
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
        let given_numbers: Vec<&str> = give.iter().map(|&at| wanted[at].0.as_str()).collect();
        let given: Vec<OptInRow> = if give.is_empty() {
            Vec::new()
        } else {
            let businesses: Vec<Option<&str>> = give
                .iter()
                .map(|&at| wanted[at].1.business_number.as_deref())
                .collect();
            let kinds: Vec<&str> = give.iter().map(|&at| wanted[at].1.kind.as_str()).collect();
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "INSERT INTO opt_ins (account_id, number, business_number, source, given_at) \
                 SELECT $1, n, b, k, $5 FROM unnest($2::text[], $3::text[], $4::text[]) \
                 WITH ORDINALITY AS x(n, b, k, o) ORDER BY o RETURNING {OPT_IN_COLUMNS}"
            )))
            .bind(account.0)
            .bind(&given_numbers)
            .bind(&businesses)
            .bind(&kinds)
            .bind(Utc::now())
            .fetch_all(&mut *tx)
            .await
            .db()?
        };
        let entries = OptInBatch::ledger(wanted, &give, &refuse);
        record_many(&mut tx, account, &entries, None).await?;
        let contacts =
            contacts_for(&mut tx, account, &given_numbers, ChannelKind::Whatsapp).await?;
        let given = given
            .into_iter()
            .map(TryInto::try_into)
            .collect::<StoreResult<Vec<OptIn>>>()?;
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
        let mut tx = self.pool.begin().await.db()?;
        lock_account(&mut tx, account).await?;
        let gone: HashSet<String> = sqlx::query_scalar(
            "DELETE FROM opt_ins o USING unnest($2::text[]) AS n \
             WHERE o.account_id = $1 AND o.number = n RETURNING o.number",
        )
        .bind(account.0)
        .bind(&numbers)
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
        let mut tx = self.pool.begin().await.db()?;
        lock_account(&mut tx, account).await?;
        let group_id = group_id(&mut tx, account, group).await?;
        let contacts = contacts_for(&mut tx, account, &numbers, channel).await?;
        let ids: Vec<i64> = contacts.values().map(|c| c.0).collect();
        let joined: HashSet<i64> = sqlx::query_scalar(
            "INSERT INTO group_members (group_id, contact_id, account_id, created_at) \
             SELECT $1, c, $3, $4 FROM unnest($2::bigint[]) AS c \
             ON CONFLICT DO NOTHING RETURNING contact_id",
        )
        .bind(group_id)
        .bind(&ids)
        .bind(account.0)
        .bind(Utc::now())
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
        let mut tx = self.pool.begin().await.db()?;
        lock_account(&mut tx, account).await?;
        let group_id = group_id(&mut tx, account, group).await?;
        let left: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "DELETE FROM group_members m USING contacts c, unnest($3::text[]) AS n \
             WHERE m.group_id = $1 AND m.contact_id = c.id AND c.account_id = $2 AND c.{column} = n \
             RETURNING c.{column}, m.contact_id"
        )))
        .bind(group_id)
        .bind(account.0)
        .bind(&numbers)
        .fetch_all(&mut *tx)
        .await
        .db()?;
        let changed: HashSet<i64> = left.iter().map(|(_, id)| *id).collect();
        let contacts: HashMap<String, ContactId> = left
            .into_iter()
            .map(|(number, id)| (number, ContactId(id)))
            .collect();
        let (moves, entries) =
            group_batch::moves(wanted, &contacts, &changed, ConsentEvent::GroupLeft);
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
            "SELECT {OPT_IN_COLUMNS} FROM opt_ins WHERE account_id = $1 \
             AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
        )))
        .bind(account.0)
        .bind(before)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
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
        let mut conn = self.pool.acquire().await.db()?;
        active(&mut conn, account, number).await
    }

    async fn active_opt_in_count(&self, account: AccountId) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar(ACTIVE_COUNT)
            .bind(account.0)
            .fetch_one(&self.pool)
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
             FROM consent_ledger WHERE account_id = $1 AND number = $2 ORDER BY id",
        )
        .bind(account.0)
        .bind(number.as_str())
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn keyword_settings(&self, account: AccountId) -> StoreResult<KeywordSettings> {
        let json: Option<String> =
            sqlx::query_scalar("SELECT settings::text FROM keyword_settings WHERE account_id = $1")
                .bind(account.0)
                .fetch_optional(&self.pool)
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
            "INSERT INTO keyword_settings (account_id, settings, updated_at) VALUES ($1, $2::jsonb, $3) \
             ON CONFLICT (account_id) DO UPDATE SET settings = excluded.settings, \
             updated_at = excluded.updated_at",
        )
        .bind(account.0)
        .bind(json)
        .bind(Utc::now())
        .execute(&self.pool)
        .await
        .map_err(|e| {
            let missing = e
                .as_database_error()
                .is_some_and(|db| db.constraint() == Some("keyword_settings_account_fkey"));
            if missing {
                StoreError::NotFound("account")
            } else {
                backend(e)
            }
        })?;
        Ok(())
    }

    async fn forget_inbound(&self, account: AccountId, ids: &[i64]) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        sqlx::query("DELETE FROM inbound_messages WHERE account_id = $1 AND id = ANY($2)")
            .bind(account.0)
            .bind(ids)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use bote_domain::{AccountKind, PhoneNumber};
    use bote_store::{AccountStore, ConsentSource, ConsentStore, NewAccount, SourceKind};

    /// The ledger is proof of consent: the database itself refuses to rewrite an entry.
    #[tokio::test]
    async fn ledger_entries_cannot_be_updated() {
        let store = crate::testing::fresh_store().await.unwrap();
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
