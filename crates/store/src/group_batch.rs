//! The store-independent part of [`ConsentStore::join_groups`](crate::ConsentStore) and
//! `leave_groups`: the numbers asked for (each once, a rule `give_opt_ins` shares), and
//! the answers in the order asked with the ledger entries of those whose membership
//! changed. The back ends move the rows set-based and fill this in.

use std::collections::{HashMap, HashSet};

use bote_domain::{ContactId, PhoneNumber};

use crate::{ConsentEvent, ConsentSource, GroupMove, NewLedgerEntry, StoreError, StoreResult};

/// The numbers of `wanted`, in order; `Conflict { what: "number" }` when one is asked for
/// twice.
pub fn distinct_numbers(wanted: &[(PhoneNumber, ConsentSource)]) -> StoreResult<Vec<&str>> {
    let mut seen = HashSet::with_capacity(wanted.len());
    wanted
        .iter()
        .map(|(number, _)| {
            if seen.insert(number.as_str()) {
                Ok(number.as_str())
            } else {
                Err(StoreError::Conflict {
                    what: "number",
                    value: number.as_str().to_owned(),
                })
            }
        })
        .collect()
}

/// The one answer of a one-number batch.
pub fn only(mut moves: Vec<GroupMove>) -> StoreResult<GroupMove> {
    moves
        .pop()
        .ok_or_else(|| StoreError::Backend(anyhow::anyhow!("the store answered no move")))
}

/// The answers in the order of `wanted`: `Changed` for a number whose contact (found in
/// `contacts`) is among `changed`, else `Unchanged`; and an `event` ledger entry for each
/// change, in the same order.
pub fn moves<'a>(
    wanted: &'a [(PhoneNumber, ConsentSource)],
    contacts: &HashMap<String, ContactId>,
    changed: &HashSet<i64>,
    event: ConsentEvent,
) -> (Vec<GroupMove>, Vec<NewLedgerEntry<'a>>) {
    let mut entries = Vec::new();
    let moves = wanted
        .iter()
        .map(|(number, source)| match contacts.get(number.as_str()) {
            Some(&contact) if changed.contains(&contact.0) => {
                entries.push((number, event, source));
                GroupMove::Changed(contact)
            }
            _ => GroupMove::Unchanged,
        })
        .collect();
    (moves, entries)
}
