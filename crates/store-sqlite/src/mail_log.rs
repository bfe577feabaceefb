//! Emails sent per account (see `bote_store::MailLogStore`).

use bote_domain::AccountId;
use bote_store::{MailKind, MailLogStore, StoreError, StoreResult};
use chrono::{DateTime, Utc};

use crate::errors::{DbResultExt, backend, is_foreign_key_violation};
use crate::{SqliteStore, time};

#[async_trait::async_trait]
impl MailLogStore for SqliteStore {
    async fn mail_sent(
        &self,
        account: AccountId,
        kind: MailKind,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        sqlx::query_scalar("SELECT sent_at FROM account_mails WHERE account_id = ?1 AND kind = ?2")
            .bind(account.0)
            .bind(kind.as_str())
            .fetch_optional(self.pool())
            .await
            .db()
    }

    async fn record_mail(
        &self,
        account: AccountId,
        kind: MailKind,
        recipients: &[String],
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO account_mails (account_id, kind, recipients, sent_at) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (account_id, kind) DO NOTHING",
        )
        .bind(account.0)
        .bind(kind.as_str())
        .bind(recipients.join(", "))
        .bind(time::text(time::now()))
        .execute(self.pool())
        .await
        .map_err(|e| {
            if is_foreign_key_violation(&e) {
                StoreError::NotFound("account")
            } else {
                backend(e)
            }
        })?;
        Ok(done.rows_affected() == 1)
    }
}
