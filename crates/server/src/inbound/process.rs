//! Stored inbound messages through keywords, opt-ins and forwarding, then marked
//! processed. Messages of one sender go one after another in the order they were stored
//! (START then STOP is not STOP then START); different senders go side by side.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bote_domain::AccountId;
use bote_store::{InboundRecord, Store};
use futures::StreamExt;

use crate::addon::PackageCaps;
use crate::consent::AccountRules;

/// How long a process holds the messages it stored or claimed before a worker may take
/// them over: far longer than processing takes, so only a dead process loses them.
pub const LEASE: Duration = Duration::from_secs(60);

/// Senders processed at the same time.
const SENDERS_AT_ONCE: usize = 32;

/// Processes `records` (new messages routed to an account, leased to this process) and
/// marks those done. A message whose processing fails stays unprocessed, and so do the
/// later messages of its sender: a worker tries them again once the lease has run out.
pub async fn process(store: &dyn Store, caps: &PackageCaps, mut records: Vec<InboundRecord>) {
    records.sort_by_key(|r| r.id);
    let mut senders: Vec<Vec<InboundRecord>> = Vec::new();
    let mut of_sender: HashMap<(Option<AccountId>, String), usize> = HashMap::new();
    for record in records {
        let key = (record.account, record.from.clone());
        let at = *of_sender.entry(key).or_insert_with(|| {
            senders.push(Vec::new());
            senders.len() - 1
        });
        senders[at].push(record);
    }
    // Read once per account for the whole batch, not once per message.
    let mut rules: HashMap<AccountId, Arc<AccountRules>> = HashMap::new();
    for account in senders.iter().filter_map(|m| m[0].account) {
        if let std::collections::hash_map::Entry::Vacant(slot) = rules.entry(account) {
            match AccountRules::of(store, caps, account).await {
                Ok(read) => {
                    slot.insert(Arc::new(read));
                }
                Err(e) => tracing::error!(
                    account = account.0,
                    error = format!("{e:#}"),
                    "reading keyword settings failed; its messages wait for a worker"
                ),
            }
        }
    }
    let senders = senders.into_iter().filter_map(|messages| {
        let account = messages[0].account?;
        Some((rules.get(&account)?.clone(), messages))
    });
    let done: Vec<i64> = futures::stream::iter(senders)
        .map(|(rules, messages)| in_order(store, rules, messages))
        .buffer_unordered(SENDERS_AT_ONCE)
        .flat_map(futures::stream::iter)
        .collect()
        .await;
    if let Err(e) = store.mark_inbound_processed(&done).await {
        // They run again after the lease, in order: the same end state, but ledger entries
        // and replies twice (see ARCHITECTURE, `inbound/`).
        tracing::error!(error = %e, messages = done.len(), "marking inbound messages processed failed");
    }
}

/// One sender's messages, oldest first, up to the first that fails; returns the done ids.
async fn in_order(
    store: &dyn Store,
    rules: Arc<AccountRules>,
    messages: Vec<InboundRecord>,
) -> Vec<i64> {
    let mut done = Vec::with_capacity(messages.len());
    for record in messages {
        if let Err(e) = process_one(store, &rules, &record).await {
            tracing::error!(
                id = record.id,
                error = format!("{e:#}"),
                "inbound processing failed; a worker tries again after the lease"
            );
            break;
        }
        done.push(record.id);
    }
    done
}

/// Keywords and opt-ins (`crate::consent`), then forwarding unless the message may not be
/// kept (R3: the small package keeps only keywords).
async fn process_one(
    store: &dyn Store,
    rules: &AccountRules,
    record: &InboundRecord,
) -> anyhow::Result<()> {
    let Some(account) = record.account else {
        return Ok(());
    };
    tracing::info!(id = record.id, account = account.0, channel = %record.channel, "inbound message");
    if crate::consent::on_inbound(store, rules, record).await? {
        super::forward::forward(store, record).await?;
    }
    Ok(())
}
