//! Emails sent per account (see `bote_store::MailLogStore`).

use bote_domain::AccountId;
use bote_store::{MailKind, MailLogStore, StoreError, StoreResult};
use chrono::{DateTime, Utc};

use crate::PostgresStore;
use crate::errors::backend;

#[async_trait::async_trait]
impl MailLogStore for PostgresStore {
    async fn mail_sent(
        &self,
        account: AccountId,
        kind: MailKind,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        sqlx::query_scalar("SELECT sent_at FROM account_mails WHERE account_id = $1 AND kind = $2")
            .bind(account.0)
            .bind(kind.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    async fn record_mail(
        &self,
        account: AccountId,
        kind: MailKind,
        recipients: &[String],
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO account_mails (account_id, kind, recipients, sent_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, kind) DO NOTHING",
        )
        .bind(account.0)
        .bind(kind.as_str())
        .bind(recipients.join(", "))
        .bind(Utc::now())
        .execute(&self.pool)
        .await
        .map_err(|e| {
            let missing = e
                .as_database_error()
                .is_some_and(|db| db.constraint() == Some("account_mails_account_fkey"));
            if missing {
                StoreError::NotFound("account")
            } else {
                backend(e)
            }
        })?;
        Ok(done.rows_affected() == 1)
    }
}
