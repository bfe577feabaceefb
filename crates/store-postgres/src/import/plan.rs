//! Deciding, in memory, what one import batch does: the rules of [`ImportRow`] applied row by
//! row to the contacts the batch can touch, so the database work afterwards is set-based.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bote_store::{BOTH_NUMBERS, ImportOutcome, ImportRow, RejectedRow};

/// A contact as the batch leaves it: one already stored (`id` set) or one the batch creates.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Slot {
    pub id: Option<i64>,
    /// For a contact the batch creates: the line of the row that creates it.
    pub line: u64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub sms_number: Option<String>,
    pub whatsapp_number: Option<String>,
    pub fields: BTreeMap<String, String>,
    /// Codes of the groups the contact is in after the batch.
    pub groups: BTreeSet<String>,
    /// Codes of the groups the contact is in now, in the database.
    pub stored_groups: BTreeSet<String>,
    /// A stored contact some row changed (columns or memberships).
    pub touched: bool,
}

impl Slot {
    /// The contact as a rejection reason names it.
    fn describe(&self) -> String {
        match self.id {
            Some(id) => format!("contact {id}"),
            None => format!("the contact created by line {}", self.line),
        }
    }

    /// Memberships the batch adds.
    pub fn new_groups(&self) -> impl Iterator<Item = &String> {
        self.groups.difference(&self.stored_groups)
    }
}

/// The outcome counts, and every contact the batch creates or may change.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub slots: Vec<Slot>,
    pub outcome: ImportOutcome,
}

fn non_empty(value: &Option<String>) -> Option<&String> {
    value.as_ref().filter(|v| !v.trim().is_empty())
}

/// Sets `target` to `value` when they differ; tells whether it did.
fn assign(target: &mut Option<String>, value: &str) -> bool {
    if target.as_deref() == Some(value) {
        return false;
    }
    *target = Some(value.to_owned());
    true
}

struct Planner {
    slots: Vec<Slot>,
    by_sms: HashMap<String, usize>,
    by_whatsapp: HashMap<String, usize>,
    outcome: ImportOutcome,
}

impl Planner {
    fn add_slot(&mut self, slot: Slot) -> usize {
        let index = self.slots.len();
        if let Some(n) = &slot.sms_number {
            self.by_sms.insert(n.clone(), index);
        }
        if let Some(n) = &slot.whatsapp_number {
            self.by_whatsapp.insert(n.clone(), index);
        }
        self.slots.push(slot);
        index
    }

    fn reject(&mut self, row: &ImportRow, field: &str, reason: String) {
        self.outcome.rejected.push(RejectedRow {
            line: row.line,
            field: field.to_owned(),
            reason,
        });
    }

    fn apply(&mut self, row: &ImportRow) {
        let sms = row.sms_number.as_ref().map(|n| n.as_str());
        let whatsapp = row.whatsapp_number.as_ref().map(|n| n.as_str());
        let by_sms = sms.and_then(|n| self.by_sms.get(n).copied());
        let by_whatsapp = whatsapp.and_then(|n| self.by_whatsapp.get(n).copied());
        let index = match (by_sms, by_whatsapp) {
            (Some(a), Some(b)) if a != b => {
                let (sms, whatsapp) = (sms.unwrap_or_default(), whatsapp.unwrap_or_default());
                let reason = format!(
                    "sms_number {sms} and whatsapp_number {whatsapp} belong to two different \
                     contacts ({} and {})",
                    self.slots[a].describe(),
                    self.slots[b].describe()
                );
                return self.reject(row, BOTH_NUMBERS, reason);
            }
            (Some(index), _) | (None, Some(index)) => index,
            (None, None) if sms.is_none() && whatsapp.is_none() => {
                return self.reject(row, BOTH_NUMBERS, "the row has no phone number".to_owned());
            }
            (None, None) => {
                let mut slot = Slot {
                    line: row.line,
                    ..Slot::default()
                };
                update_slot(&mut slot, row);
                self.add_slot(slot);
                self.outcome.created += 1;
                return;
            }
        };

        if let Some((kind, reason)) = second_number(&self.slots[index], sms, whatsapp) {
            return self.reject(row, kind, reason);
        }

        let slot = &mut self.slots[index];
        let gains_sms = slot.sms_number.is_none() && sms.is_some();
        let gains_whatsapp = slot.whatsapp_number.is_none() && whatsapp.is_some();
        if update_slot(slot, row) {
            slot.touched = true;
            self.outcome.updated += 1;
        } else {
            self.outcome.unchanged += 1;
        }
        if let (true, Some(n)) = (gains_sms, sms) {
            self.by_sms.insert(n.to_owned(), index);
        }
        if let (true, Some(n)) = (gains_whatsapp, whatsapp) {
            self.by_whatsapp.insert(n.to_owned(), index);
        }
    }
}

/// Why the row cannot go to this contact: it would give it a second number of a kind.
/// The number kind the row would give the contact a second one of, and why that is refused.
fn second_number(
    slot: &Slot,
    sms: Option<&str>,
    whatsapp: Option<&str>,
) -> Option<(&'static str, String)> {
    [
        ("sms_number", &slot.sms_number, sms),
        ("whatsapp_number", &slot.whatsapp_number, whatsapp),
    ]
    .into_iter()
    .find_map(|(kind, held, given)| match (held, given) {
        (Some(held), Some(given)) if held != given => Some((
            kind,
            format!(
                "{} already has {kind} {held}, the row gives {given}",
                slot.describe()
            ),
        )),
        _ => None,
    })
}

/// Merges the row into the contact: non-empty names and fields, numbers it lacks, groups.
/// Tells whether anything changed.
fn update_slot(slot: &mut Slot, row: &ImportRow) -> bool {
    let mut changed = false;
    if let Some(name) = non_empty(&row.first_name) {
        changed |= assign(&mut slot.first_name, name);
    }
    if let Some(name) = non_empty(&row.last_name) {
        changed |= assign(&mut slot.last_name, name);
    }
    if let (None, Some(n)) = (&slot.sms_number, &row.sms_number) {
        slot.sms_number = Some(n.as_str().to_owned());
        changed = true;
    }
    if let (None, Some(n)) = (&slot.whatsapp_number, &row.whatsapp_number) {
        slot.whatsapp_number = Some(n.as_str().to_owned());
        changed = true;
    }
    for (key, value) in &row.fields {
        if value.trim().is_empty() || slot.fields.get(key) == Some(value) {
            continue;
        }
        slot.fields.insert(key.clone(), value.clone());
        changed = true;
    }
    for code in &row.groups {
        changed |= slot.groups.insert(code.as_str().to_owned());
    }
    changed
}

/// Applies `rows` in order to `stored`, the stored contacts that hold any of their numbers
/// (with `stored_groups` = `groups` = their memberships). Later rows see what earlier rows
/// of the batch did, exactly as if the rows were imported one at a time.
pub(crate) fn plan(stored: Vec<Slot>, rows: &[ImportRow]) -> Plan {
    let mut planner = Planner {
        slots: Vec::with_capacity(stored.len() + rows.len()),
        by_sms: HashMap::with_capacity(stored.len() + rows.len()),
        by_whatsapp: HashMap::with_capacity(stored.len() + rows.len()),
        outcome: ImportOutcome::default(),
    };
    for slot in stored {
        planner.add_slot(slot);
    }
    for row in rows {
        planner.apply(row);
    }
    Plan {
        slots: planner.slots,
        outcome: planner.outcome,
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
