//! The store-independent part of [`ConsentStore::give_opt_ins`](crate::ConsentStore): which
//! of a batch of numbers already had an opt-in, which are given one under the cap, which
//! are refused, and the answers in the order they were asked for. The back ends read and
//! write the rows set-based and fill this in.

use std::collections::{HashMap, HashSet};

use bote_domain::{ContactId, PhoneNumber};

use crate::{
    ConsentEvent, ConsentSource, NewLedgerEntry, OptIn, OptInResult, StoreError, StoreResult,
};

pub struct OptInBatch {
    results: Vec<Option<OptInResult>>,
    index: HashMap<String, usize>,
}

impl OptInBatch {
    /// `Conflict { what: "number" }` when a number is asked for twice.
    pub fn new(wanted: &[(PhoneNumber, ConsentSource)]) -> StoreResult<OptInBatch> {
        let index = crate::group_batch::distinct_numbers(wanted)?
            .into_iter()
            .enumerate()
            .map(|(at, number)| (number.to_owned(), at))
            .collect();
        Ok(OptInBatch {
            results: vec![None; wanted.len()],
            index,
        })
    }

    /// Answers `AlreadyActive` for each of `active` (the batch's numbers' opt-ins).
    pub fn already_active(&mut self, active: Vec<OptIn>) {
        for opt_in in active {
            if let Some(&at) = self.index.get(opt_in.number.as_str()) {
                self.results[at] = Some(OptInResult::AlreadyActive(opt_in));
            }
        }
    }

    /// Splits the numbers without an opt-in, in the order asked, into those given one
    /// (returned) and those refused because `cap` is reached with `active` opt-ins
    /// (answered `Refused` here; returned second, for their ledger entries).
    pub fn split(&mut self, active: u64, cap: Option<u64>) -> (Vec<usize>, Vec<usize>) {
        let open: Vec<usize> = (0..self.results.len())
            .filter(|&at| self.results[at].is_none())
            .collect();
        let room = cap.map_or(open.len(), |cap| {
            usize::try_from(cap.saturating_sub(active)).unwrap_or(usize::MAX)
        });
        let given = open.len().min(room);
        let refused = open[given..].to_vec();
        if let Some(cap) = cap {
            for &at in &refused {
                self.results[at] = Some(OptInResult::Refused {
                    cap,
                    active: active + given as u64,
                });
            }
        }
        (open[..given].to_vec(), refused)
    }

    /// The ledger entries of a [`split`](OptInBatch::split): an opt-in for each number
    /// given one, a refusal for each refused.
    pub fn ledger<'a>(
        wanted: &'a [(PhoneNumber, ConsentSource)],
        give: &[usize],
        refuse: &[usize],
    ) -> Vec<NewLedgerEntry<'a>> {
        give.iter()
            .map(|&at| (at, ConsentEvent::OptIn))
            .chain(refuse.iter().map(|&at| (at, ConsentEvent::Refused)))
            .map(|(at, event)| (&wanted[at].0, event, &wanted[at].1))
            .collect()
    }

    /// Answers `Given` for each new opt-in, with the contact `contacts` has for its
    /// number, then returns all answers in the order asked.
    pub fn finish_with(
        mut self,
        given: Vec<OptIn>,
        contacts: &HashMap<String, ContactId>,
    ) -> StoreResult<Vec<OptInResult>> {
        for opt_in in given {
            let contact = contacts
                .get(opt_in.number.as_str())
                .copied()
                .ok_or_else(|| {
                    StoreError::Backend(anyhow::anyhow!("no contact for {}", opt_in.number))
                })?;
            if let Some(&at) = self.index.get(opt_in.number.as_str()) {
                self.results[at] = Some(OptInResult::Given { opt_in, contact });
            }
        }
        self.finish()
    }

    /// The answers in the order asked; an error if the back end left one out.
    fn finish(self) -> StoreResult<Vec<OptInResult>> {
        self.results
            .into_iter()
            .map(|r| {
                r.ok_or_else(|| {
                    StoreError::Backend(anyhow::anyhow!("an opt-in of the batch went unanswered"))
                })
            })
            .collect()
    }
}

/// What [`ConsentStore::revoke_opt_ins`](crate::ConsentStore) answers and records.
pub struct Revoked<'a> {
    /// In the order asked: whether the number's opt-in ended.
    pub answers: Vec<bool>,
    /// The ledger entries of those that ended.
    pub entries: Vec<NewLedgerEntry<'a>>,
}

/// The answers to a batch of revocations whose deleted opt-ins had the numbers in `gone`;
/// a number asked for twice is revoked by the first.
pub fn revoked_in_order<'a>(
    wanted: &'a [(PhoneNumber, ConsentSource)],
    gone: &HashSet<String>,
) -> Revoked<'a> {
    let mut seen = HashSet::with_capacity(wanted.len());
    let mut revoked = Revoked {
        answers: Vec::with_capacity(wanted.len()),
        entries: Vec::new(),
    };
    for (number, source) in wanted {
        let ended = gone.contains(number.as_str()) && seen.insert(number.as_str());
        revoked.answers.push(ended);
        if ended {
            revoked
                .entries
                .push((number, ConsentEvent::Revoked, source));
        }
    }
    revoked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceKind;
    use chrono::Utc;

    fn wanted(n: u32) -> Vec<(PhoneNumber, ConsentSource)> {
        (0..n)
            .map(|i| {
                let number = PhoneNumber::from_e164_unchecked(format!("+43676100{i:04}"));
                let source = ConsentSource {
                    kind: SourceKind::Inbound,
                    reference: None,
                    text: None,
                    business_number: None,
                };
                (number, source)
            })
            .collect()
    }

    #[test]
    fn the_cap_gives_in_the_order_asked_and_refuses_the_rest() {
        let wanted = wanted(4);
        let mut batch = OptInBatch::new(&wanted).unwrap();
        batch.already_active(vec![OptIn {
            id: 1,
            number: wanted[1].0.clone(),
            business_number: None,
            source: SourceKind::Inbound,
            given_at: Utc::now(),
        }]);
        let (give, refuse) = batch.split(8, Some(10));
        assert_eq!(give, vec![0, 2]);
        assert_eq!(refuse, vec![3]);
        assert!(
            batch.finish().is_err(),
            "the given ones are not answered yet"
        );
    }

    #[test]
    fn a_number_asked_for_twice_is_a_conflict() {
        let mut twice = wanted(2);
        twice.push(twice[0].clone());
        assert!(matches!(
            OptInBatch::new(&twice),
            Err(StoreError::Conflict { what: "number", .. })
        ));
    }
}
