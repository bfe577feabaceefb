//! Stored inbound messages through keywords, opt-ins and forwarding, then marked
//! processed. Each account's messages go through the consent pipeline together
//! (`crate::consent::on_inbound`: a sender's messages in the order they were stored, START
//! then STOP is not STOP then START; opt-ins and replies of different senders at once),
//! the kept ones are queued for forwarding in one statement, and the batch is marked
//! processed in one more.

use std::collections::BTreeMap;
use std::time::Duration;

use bote_domain::AccountId;
use bote_store::{InboundRecord, Store};
use futures::StreamExt;

use crate::addon::PackageCaps;
use crate::consent::AccountRules;

/// How long a process holds the messages it stored or claimed before a worker may take
/// them over: far longer than processing takes, so only a dead process loses them.
pub const LEASE: Duration = Duration::from_secs(60);

/// Accounts processed at the same time.
const ACCOUNTS_AT_ONCE: usize = 4;

/// Processes `records` (new messages routed to an account, leased to this process) and
/// marks those done. A message whose processing fails stays unprocessed, and so do the
/// later messages of its sender: a worker tries them again once the lease has run out.
pub async fn process(store: &dyn Store, caps: &PackageCaps, mut records: Vec<InboundRecord>) {
    records.sort_by_key(|r| r.id);
    let mut done: Vec<i64> = Vec::with_capacity(records.len());
    let mut of_account: BTreeMap<AccountId, Vec<InboundRecord>> = BTreeMap::new();
    for record in records {
        match record.account {
            Some(account) => of_account.entry(account).or_default().push(record),
            None => done.push(record.id),
        }
    }
    let processed: Vec<i64> = futures::stream::iter(of_account)
        .map(|(account, records)| of_one_account(store, caps, account, records))
        .buffer_unordered(ACCOUNTS_AT_ONCE)
        .flat_map(futures::stream::iter)
        .collect()
        .await;
    done.extend(processed);
    if let Err(e) = store.mark_inbound_processed(&done).await {
        // They run again after the lease, in order: the same end state, but ledger entries
        // and replies twice (see ARCHITECTURE, `inbound/`).
        tracing::error!(error = %e, messages = done.len(), "marking inbound messages processed failed");
    }
}

/// One account's messages, oldest first; returns the ids done.
async fn of_one_account(
    store: &dyn Store,
    caps: &PackageCaps,
    account: AccountId,
    records: Vec<InboundRecord>,
) -> Vec<i64> {
    let rules = match AccountRules::of(store, caps, account).await {
        Ok(rules) => rules,
        Err(e) => {
            tracing::error!(
                account = account.0,
                error = format!("{e:#}"),
                "reading keyword settings failed; its messages wait for a worker"
            );
            return Vec::new();
        }
    };
    tracing::info!(
        account = account.0,
        messages = records.len(),
        first = records.first().map(|r| r.id),
        last = records.last().map(|r| r.id),
        "inbound messages"
    );
    let refs: Vec<&InboundRecord> = records.iter().collect();
    let results = crate::consent::on_inbound(store, &rules, account, &refs).await;
    let (mut done, mut kept) = (Vec::with_capacity(records.len()), Vec::new());
    for (record, result) in records.iter().zip(results) {
        match result {
            Ok(true) => kept.push(record.id),
            Ok(false) => done.push(record.id),
            Err(e) => tracing::error!(
                id = record.id,
                error = format!("{e:#}"),
                "inbound processing failed; a worker tries again after the lease"
            ),
        }
    }
    match super::forward::forward(store, account, &kept).await {
        Ok(()) => done.extend(kept),
        Err(e) => tracing::error!(
            account = account.0,
            messages = kept.len(),
            error = format!("{e:#}"),
            "queueing inbound messages for forwarding failed; a worker tries again after the lease"
        ),
    }
    done
}
