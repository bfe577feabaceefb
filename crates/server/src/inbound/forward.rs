//! Forwarding inbound messages to the account's inbound callback URL in websms form. The
//! store keeps a callback row (at most one per message) that the `CallbackWorker` delivers,
//! signs and retries like delivery reports.

use bote_store::{InboundRecord, Store};

/// Enqueues the forwarding of a routed inbound message, if its account set a URL.
///
/// Called for every routed record, repeats of a provider id included: the store enqueues a
/// message once, so a repeat changes nothing, but a message whose first enqueue failed
/// (the channel then does not acknowledge, and the provider delivers it again) is still
/// forwarded.
pub async fn forward(store: &dyn Store, record: &InboundRecord) -> anyhow::Result<()> {
    let Some(account) = record.account else {
        return Ok(());
    };
    if store.enqueue_inbound_callback(account, record.id).await? {
        tracing::debug!(
            id = record.id,
            account = account.0,
            "inbound message queued for forwarding"
        );
    }
    Ok(())
}
