//! The outbox on SQLite (see `bote_store::OutboxStore` for the contract).

mod accept;
mod callbacks;
mod claim;
mod else_sms;
mod outcomes;
mod pace;
mod queries;
mod receipts;
mod rows;

use bote_domain::{AccountId, CallbackId, ChannelKind, ContactId, MessageId, SendId};
use bote_store::{
    Acceptance, CallbackDue, CallbackOutcome, ClaimToken, ClaimedMessage, Contact, MessageQuery,
    MessageRecord, NewSend, OutboxStore, Outcome, Page, Preview, ReceiptResult, ReceiptUpdate,
    Recipients, SendRecord, SendState, StoreResult,
};
use chrono::{DateTime, Utc};

use crate::SqliteStore;
use crate::errors::DbResultExt;

#[async_trait::async_trait]
impl OutboxStore for SqliteStore {
    async fn accept_send(&self, send: NewSend, recipients: Recipients) -> StoreResult<Acceptance> {
        accept::accept(self, send, recipients).await
    }

    async fn preview_send(
        &self,
        mut send: NewSend,
        recipients: Recipients,
    ) -> StoreResult<Preview> {
        send.client_message_id = None;
        accept::preview(self, send, recipients).await
    }

    async fn send_record(&self, account: AccountId, id: SendId) -> StoreResult<SendRecord> {
        let mut conn = self.pool().acquire().await.db()?;
        queries::send_record(&mut conn, account, id).await
    }

    async fn list_sends(
        &self,
        account: AccountId,
        before: Option<SendId>,
        limit: u32,
    ) -> StoreResult<Page<SendRecord>> {
        queries::list_sends(self.pool(), account, before, limit).await
    }

    async fn set_send_state(
        &self,
        account: AccountId,
        id: SendId,
        state: SendState,
    ) -> StoreResult<SendRecord> {
        queries::set_state(self, account, id, state).await
    }

    async fn message(&self, account: AccountId, id: MessageId) -> StoreResult<MessageRecord> {
        queries::message(self.pool(), account, id).await
    }

    async fn list_messages(
        &self,
        account: AccountId,
        query: MessageQuery,
    ) -> StoreResult<Page<MessageRecord>> {
        queries::list_messages(self.pool(), account, query).await
    }

    async fn contacts_by_ids(
        &self,
        account: AccountId,
        ids: &[ContactId],
    ) -> StoreResult<Vec<Contact>> {
        queries::contacts_by_ids(self.pool(), account, ids).await
    }

    async fn claim_messages(
        &self,
        channel: ChannelKind,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedMessage>> {
        claim::claim(self, channel, now, lease_until, limit).await
    }

    async fn pace_send(
        &self,
        send: SendId,
        channel: ChannelKind,
        now: DateTime<Utc>,
        from: DateTime<Utc>,
        interval: std::time::Duration,
    ) -> StoreResult<u64> {
        pace::pace_send(self, send, channel, now, from, interval).await
    }

    async fn record_outcomes(
        &self,
        outcomes: &[(MessageId, ClaimToken, Outcome)],
    ) -> StoreResult<u64> {
        outcomes::record(self, outcomes).await
    }

    async fn apply_receipts(&self, receipts: &[ReceiptUpdate]) -> StoreResult<ReceiptResult> {
        receipts::apply(self, receipts).await
    }

    async fn unfinished_messages(&self, account: Option<AccountId>) -> StoreResult<u64> {
        queries::unfinished(self.pool(), account).await
    }

    async fn claim_callbacks(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<CallbackDue>> {
        callbacks::claim(self, now, lease_until, limit).await
    }

    async fn record_callbacks(
        &self,
        outcomes: &[(CallbackId, CallbackOutcome)],
    ) -> StoreResult<()> {
        callbacks::record(self, outcomes).await
    }
}
