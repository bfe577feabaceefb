//! Business numbers and inbound messages.

use std::time::Duration;

use bote_domain::AccountId;
use bote_store::{
    BusinessNumber, CloudCredentials, InboundQuery, InboundRecord, InboundStore, NewBusinessNumber,
    NewInbound, Page, Secret, StoreError, StoreResult, WhatsappNumber,
};
use chrono::{DateTime, Utc};

use crate::PostgresStore;
use crate::errors::{backend, write_error};
use crate::outbox::rows::channel;
use crate::rows::paginate;

#[derive(sqlx::FromRow)]
struct NumberRow {
    id: i64,
    account_id: i64,
    channel: String,
    number: String,
    provider_ref: Option<String>,
    access_token: Option<String>,
    app_secret: Option<String>,
    verify_token: Option<String>,
    messages_per_second: i32,
    created_at: DateTime<Utc>,
}

impl TryFrom<NumberRow> for WhatsappNumber {
    type Error = StoreError;
    fn try_from(r: NumberRow) -> StoreResult<Self> {
        let cloud = match (r.access_token, r.app_secret, r.verify_token) {
            (Some(access_token), Some(app_secret), Some(verify_token)) => Some(CloudCredentials {
                access_token: Secret::new(access_token),
                app_secret: Secret::new(app_secret),
                verify_token: Secret::new(verify_token),
            }),
            _ => None,
        };
        let number = BusinessNumber {
            id: r.id,
            account: AccountId(r.account_id),
            channel: channel("channel", &r.channel)?,
            number: r.number,
            provider_ref: r.provider_ref,
            cloud_api: cloud.is_some(),
            messages_per_second: u32::try_from(r.messages_per_second).unwrap_or(1),
            created_at: r.created_at,
        };
        Ok(WhatsappNumber { number, cloud })
    }
}

impl TryFrom<NumberRow> for BusinessNumber {
    type Error = StoreError;
    fn try_from(r: NumberRow) -> StoreResult<Self> {
        WhatsappNumber::try_from(r).map(|n| n.number)
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct InboundRow {
    id: i64,
    account_id: Option<i64>,
    channel: String,
    connection: String,
    from_number: String,
    to_number: String,
    kind: String,
    text: Option<String>,
    provider_id: Option<String>,
    received_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
}

impl TryFrom<InboundRow> for InboundRecord {
    type Error = StoreError;
    fn try_from(r: InboundRow) -> StoreResult<Self> {
        Ok(InboundRecord {
            id: r.id,
            account: r.account_id.map(AccountId),
            channel: channel("channel", &r.channel)?,
            connection: r.connection,
            from: r.from_number,
            to: r.to_number,
            kind: r.kind,
            text: r.text,
            provider_id: r.provider_id,
            received_at: r.received_at,
            created_at: r.created_at,
        })
    }
}

const NUMBER_COLUMNS: &str = "id, account_id, channel, number, provider_ref, access_token, \
     app_secret, verify_token, messages_per_second, created_at";
pub(crate) const INBOUND_COLUMNS: &str = "id, account_id, channel, connection, from_number, to_number, kind, \
     text, provider_id, received_at, created_at";

/// Inbound messages by id (for callbacks that forward them), in no particular order.
pub(crate) async fn inbound_by_ids(
    conn: &mut sqlx::PgConnection,
    ids: &[i64],
) -> StoreResult<Vec<InboundRecord>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<InboundRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {INBOUND_COLUMNS} FROM inbound_messages WHERE id = ANY($1)"
    )))
    .bind(ids)
    .fetch_all(conn)
    .await
    .map_err(backend)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Stores one message routed by its `to`, or finds the first record of its provider id
/// (`false`). It is not marked unprocessed (see `inbound_pending`).
pub(crate) async fn insert_inbound(
    conn: &mut sqlx::PgConnection,
    m: &NewInbound,
) -> StoreResult<(InboundRecord, bool)> {
    let inserted: Option<InboundRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO inbound_messages (account_id, channel, connection, from_number, \
         to_number, kind, text, provider_id, received_at, created_at) \
         SELECT owner.id, $1, $2, $3, $4, $5, $6, $7, $8, now() \
         FROM (SELECT (SELECT account_id FROM business_numbers \
                       WHERE channel = $1 AND number = $4) AS id) AS owner \
         ON CONFLICT (channel, connection, provider_id) WHERE provider_id IS NOT NULL DO NOTHING \
         RETURNING {INBOUND_COLUMNS}"
    )))
    .bind(m.channel.as_str())
    .bind(&m.connection)
    .bind(&m.from)
    .bind(&m.to)
    .bind(&m.kind)
    .bind(&m.text)
    .bind(&m.provider_id)
    .bind(m.received_at)
    .fetch_optional(&mut *conn)
    .await
    .map_err(backend)?;
    if let Some(row) = inserted {
        return Ok((row.try_into()?, true));
    }
    let first: InboundRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {INBOUND_COLUMNS} FROM inbound_messages \
         WHERE channel = $1 AND connection = $2 AND provider_id = $3"
    )))
    .bind(m.channel.as_str())
    .bind(&m.connection)
    .bind(&m.provider_id)
    .fetch_one(&mut *conn)
    .await
    .map_err(backend)?;
    Ok((first.try_into()?, false))
}

#[async_trait::async_trait]
impl InboundStore for PostgresStore {
    async fn add_business_number(
        &self,
        account: AccountId,
        new: NewBusinessNumber,
    ) -> StoreResult<BusinessNumber> {
        if new.cloud.is_some() && new.provider_ref.is_none() {
            return Err(StoreError::Unknown {
                what: "phone number id",
                value: String::new(),
            });
        }
        let secret = |pick: fn(&CloudCredentials) -> &Secret| {
            new.cloud.as_ref().map(|c| pick(c).expose().to_owned())
        };
        let row: NumberRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO business_numbers (account_id, channel, number, provider_ref, \
             access_token, app_secret, verify_token, messages_per_second, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now()) RETURNING {NUMBER_COLUMNS}"
        )))
        .bind(account.0)
        .bind(new.channel.as_str())
        .bind(&new.number)
        .bind(&new.provider_ref)
        .bind(secret(|c| &c.access_token))
        .bind(secret(|c| &c.app_secret))
        .bind(secret(|c| &c.verify_token))
        .bind(i32::try_from(new.messages_per_second).unwrap_or(i32::MAX))
        .fetch_one(&self.pool)
        .await
        .map_err(|err| {
            write_error(err, |what| match what {
                "phone number id" => new.provider_ref.clone().unwrap_or_default(),
                _ => new.number.clone(),
            })
        })?;
        row.try_into()
    }

    async fn whatsapp_number_by_phone_number_id(
        &self,
        phone_number_id: &str,
    ) -> StoreResult<Option<WhatsappNumber>> {
        let row: Option<NumberRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {NUMBER_COLUMNS} FROM business_numbers \
             WHERE channel = 'whatsapp' AND provider_ref = $1"
        )))
        .bind(phone_number_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn whatsapp_numbers(&self, account: AccountId) -> StoreResult<Vec<WhatsappNumber>> {
        let rows: Vec<NumberRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {NUMBER_COLUMNS} FROM business_numbers \
             WHERE account_id = $1 AND channel = 'whatsapp' ORDER BY id"
        )))
        .bind(account.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn business_numbers(
        &self,
        account: Option<AccountId>,
    ) -> StoreResult<Vec<BusinessNumber>> {
        let rows: Vec<NumberRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {NUMBER_COLUMNS} FROM business_numbers \
             WHERE $1::bigint IS NULL OR account_id = $1 ORDER BY id"
        )))
        .bind(account.map(|a| a.0))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn remove_business_number(&self, account: AccountId, id: i64) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM business_numbers WHERE account_id = $1 AND id = $2")
            .bind(account.0)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("business number"));
        }
        Ok(())
    }

    async fn record_inbound(&self, m: NewInbound) -> StoreResult<(InboundRecord, bool)> {
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        insert_inbound(&mut conn, &m).await
    }

    async fn record_inbound_batch(
        &self,
        messages: Vec<NewInbound>,
        lease: Duration,
    ) -> StoreResult<Vec<(InboundRecord, bool)>> {
        crate::inbound_pending::record_batch(self, messages, lease).await
    }

    async fn claim_unprocessed_inbound(
        &self,
        limit: u32,
        lease: Duration,
    ) -> StoreResult<Vec<InboundRecord>> {
        crate::inbound_pending::claim(self, limit, lease).await
    }

    async fn mark_inbound_processed(&self, ids: &[i64]) -> StoreResult<()> {
        crate::inbound_pending::mark_processed(self, ids).await
    }

    async fn unprocessed_inbound(&self) -> StoreResult<u64> {
        crate::inbound_pending::unprocessed(self).await
    }

    async fn list_inbound(
        &self,
        account: AccountId,
        q: InboundQuery,
    ) -> StoreResult<Page<InboundRecord>> {
        let limit = q.limit.max(1);
        let rows: Vec<InboundRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {INBOUND_COLUMNS} FROM inbound_messages WHERE account_id = $1 \
             AND ($2::text IS NULL OR channel = $2) AND ($3::text IS NULL OR from_number = $3) \
             AND ($4::bigint IS NULL OR id < $4) ORDER BY id DESC LIMIT $5"
        )))
        .bind(account.0)
        .bind(q.channel.map(|c| c.as_str()))
        .bind(&q.from)
        .bind(q.before)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let items = rows
            .into_iter()
            .map(TryInto::try_into)
            .collect::<StoreResult<Vec<InboundRecord>>>()?;
        let (items, next_after) = paginate(items, limit as usize, |m| m.id);
        Ok(Page { items, next_after })
    }

    async fn in_service_window(
        &self,
        business_number: &str,
        numbers: &[String],
        since: DateTime<Utc>,
    ) -> StoreResult<std::collections::HashSet<String>> {
        crate::service_window::in_window(&self.pool, business_number, numbers, since).await
    }
}
