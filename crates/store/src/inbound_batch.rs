//! The store-independent part of
//! [`InboundStore::record_inbound_batch`](crate::InboundStore): which messages of a batch
//! repeat a provider id (stored before, or earlier in the same batch), and the answers in
//! the order of the batch. The back ends insert the new ones set-based and fill this in.

use std::collections::HashMap;

use crate::{InboundRecord, NewInbound, StoreError, StoreResult};

/// A message's identity at its provider: channel, connection and provider id.
pub type ProviderKey = (String, String, String);

/// The provider key of `m`, when it has a provider id.
pub fn provider_key(m: &NewInbound) -> Option<ProviderKey> {
    let id = m.provider_id.clone()?;
    Some((m.channel.as_str().to_owned(), m.connection.clone(), id))
}

/// The provider key of a stored message, when it has a provider id.
pub fn record_key(r: &InboundRecord) -> Option<ProviderKey> {
    let id = r.provider_id.clone()?;
    Some((r.channel.as_str().to_owned(), r.connection.clone(), id))
}

/// The answers to a batch: `inserted[i]` is message `i`'s new record; a message without
/// one repeats a provider id and is answered with the record that has it, from `earlier`
/// (stored before) or `inserted` (earlier in the batch), marked not new.
pub fn answers(
    messages: &[NewInbound],
    mut inserted: HashMap<usize, InboundRecord>,
    earlier: Vec<InboundRecord>,
) -> StoreResult<Vec<(InboundRecord, bool)>> {
    let mut by_key: HashMap<ProviderKey, InboundRecord> = earlier
        .into_iter()
        .filter_map(|r| Some((record_key(&r)?, r)))
        .collect();
    for record in inserted.values() {
        if let Some(key) = record_key(record) {
            by_key.entry(key).or_insert_with(|| record.clone());
        }
    }
    (0..messages.len())
        .map(|at| match inserted.remove(&at) {
            Some(record) => Ok((record, true)),
            None => provider_key(&messages[at])
                .and_then(|key| by_key.get(&key).cloned())
                .map(|record| (record, false))
                .ok_or_else(|| {
                    StoreError::Backend(anyhow::anyhow!(
                        "inbound message {at} of the batch was neither stored nor found"
                    ))
                }),
        })
        .collect()
}
