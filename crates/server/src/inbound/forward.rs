//! Forwarding inbound messages to the account's inbound callback URL in websms form. The
//! store keeps a callback row (at most one per message) that the `CallbackWorker` delivers,
//! signs and retries like delivery reports.

use bote_domain::AccountId;
use bote_store::Store;

/// Enqueues the forwarding of routed inbound messages of `account`, if it set a URL, in
/// one statement.
///
/// A message enqueued before is not enqueued again, so processing a message twice (a
/// worker taking over after a crash) forwards it once.
pub async fn forward(store: &dyn Store, account: AccountId, ids: &[i64]) -> anyhow::Result<()> {
    let queued = store.enqueue_inbound_callbacks(account, ids).await?;
    if queued > 0 {
        tracing::debug!(
            account = account.0,
            queued,
            "inbound messages queued for forwarding"
        );
    }
    Ok(())
}
