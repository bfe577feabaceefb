//! The in-memory half of an import: which row creates, updates or leaves which contact.
//!
//! [`Book`] holds the contacts a batch can touch: those already stored that share a number
//! with any row, and those the batch creates. Rows are applied in order, so a later row
//! matches (and updates) what an earlier row of the same batch created.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bote_store::{BOTH_NUMBERS, ImportRow};

/// A contact as the batch leaves it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Slot {
    /// `None` until a contact created by the batch is numbered for inserting.
    pub id: Option<i64>,
    /// Created by the batch, not read from the store.
    pub created: bool,
    /// The line of the row that created it, for a contact the batch creates.
    pub line: u64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub sms_number: Option<String>,
    pub whatsapp_number: Option<String>,
    pub fields: BTreeMap<String, String>,
    /// Codes of the batch's groups the contact is in.
    pub groups: BTreeSet<String>,
    /// Memberships to add.
    pub new_groups: BTreeSet<String>,
    /// The contact's own row must be written (inserted or updated).
    pub dirty: bool,
}

impl Slot {
    pub fn is_new(&self) -> bool {
        self.created
    }

    /// A stored contact the batch changed, in its row or its groups.
    pub fn is_updated(&self) -> bool {
        !self.is_new() && (self.dirty || !self.new_groups.is_empty())
    }

    fn describe(&self) -> String {
        match self.id {
            Some(id) => format!("contact {id}"),
            None => format!("the contact of line {}", self.line),
        }
    }
}

/// What applying one row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applied {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, Default)]
pub(crate) struct Book {
    slots: Vec<Slot>,
    by_sms: HashMap<String, usize>,
    by_whatsapp: HashMap<String, usize>,
}

/// The text of a cell that is not empty.
fn filled(cell: &Option<String>) -> Option<&str> {
    cell.as_deref().filter(|text| !text.trim().is_empty())
}

impl Book {
    /// Adds a contact read from the store.
    pub fn add_stored(&mut self, slot: Slot) {
        debug_assert!(slot.id.is_some());
        self.insert(slot);
    }

    fn insert(&mut self, slot: Slot) {
        let index = self.slots.len();
        if let Some(number) = &slot.sms_number {
            self.by_sms.insert(number.clone(), index);
        }
        if let Some(number) = &slot.whatsapp_number {
            self.by_whatsapp.insert(number.clone(), index);
        }
        self.slots.push(slot);
    }

    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    pub fn slots_mut(&mut self) -> &mut [Slot] {
        &mut self.slots
    }

    /// Upserts one row; `Err` holds the field at fault and why the row is rejected
    /// (nothing was changed then).
    pub fn apply(&mut self, row: &ImportRow) -> Result<Applied, (&'static str, String)> {
        let sms = row.sms_number.as_ref().map(|n| n.as_str());
        let whatsapp = row.whatsapp_number.as_ref().map(|n| n.as_str());
        if sms.is_none() && whatsapp.is_none() {
            return Err((
                BOTH_NUMBERS,
                "the row has neither an sms_number nor a whatsapp_number".into(),
            ));
        }
        let by_sms = sms.and_then(|n| self.by_sms.get(n)).copied();
        let by_whatsapp = whatsapp.and_then(|n| self.by_whatsapp.get(n)).copied();
        let index = match (by_sms, by_whatsapp) {
            (Some(a), Some(b)) if a != b => {
                return Err((
                    BOTH_NUMBERS,
                    format!(
                        "sms_number {} belongs to {} but whatsapp_number {} to {}",
                        sms.unwrap_or_default(),
                        self.slots[a].describe(),
                        whatsapp.unwrap_or_default(),
                        self.slots[b].describe(),
                    ),
                ));
            }
            (Some(a), _) => a,
            (None, Some(b)) => b,
            (None, None) => {
                self.create(row);
                return Ok(Applied::Created);
            }
        };
        self.check_numbers(index, sms, whatsapp)?;
        Ok(self.update(index, row))
    }

    /// Rejects a row that would give the contact a second number of a kind.
    fn check_numbers(
        &self,
        index: usize,
        sms: Option<&str>,
        whatsapp: Option<&str>,
    ) -> Result<(), (&'static str, String)> {
        let slot = &self.slots[index];
        for (kind, theirs, ours) in [
            ("sms_number", slot.sms_number.as_deref(), sms),
            ("whatsapp_number", slot.whatsapp_number.as_deref(), whatsapp),
        ] {
            if let (Some(theirs), Some(ours)) = (theirs, ours)
                && theirs != ours
            {
                return Err((
                    kind,
                    format!(
                        "{} already has {kind} {theirs}, not {ours}",
                        slot.describe()
                    ),
                ));
            }
        }
        Ok(())
    }

    fn create(&mut self, row: &ImportRow) {
        let groups: BTreeSet<String> = row.groups.iter().map(|g| g.as_str().to_owned()).collect();
        self.insert(Slot {
            id: None,
            created: true,
            line: row.line,
            first_name: filled(&row.first_name).map(str::to_owned),
            last_name: filled(&row.last_name).map(str::to_owned),
            sms_number: row.sms_number.as_ref().map(|n| n.as_str().to_owned()),
            whatsapp_number: row.whatsapp_number.as_ref().map(|n| n.as_str().to_owned()),
            fields: row
                .fields
                .iter()
                .filter(|(_, value)| !value.trim().is_empty())
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
            new_groups: groups.clone(),
            groups,
            dirty: true,
        });
    }

    fn update(&mut self, index: usize, row: &ImportRow) -> Applied {
        let mut changed = false;
        let mut gained = Vec::new();
        let slot = &mut self.slots[index];
        for (current, cell) in [
            (&mut slot.first_name, &row.first_name),
            (&mut slot.last_name, &row.last_name),
        ] {
            if let Some(text) = filled(cell)
                && current.as_deref() != Some(text)
            {
                *current = Some(text.to_owned());
                changed = true;
            }
        }
        if slot.sms_number.is_none()
            && let Some(number) = &row.sms_number
        {
            slot.sms_number = Some(number.as_str().to_owned());
            gained.push((true, number.as_str().to_owned()));
        }
        if slot.whatsapp_number.is_none()
            && let Some(number) = &row.whatsapp_number
        {
            slot.whatsapp_number = Some(number.as_str().to_owned());
            gained.push((false, number.as_str().to_owned()));
        }
        for (key, value) in &row.fields {
            if !value.trim().is_empty() && slot.fields.get(key) != Some(value) {
                slot.fields.insert(key.clone(), value.clone());
                changed = true;
            }
        }
        let mut joined = false;
        for code in &row.groups {
            if slot.groups.insert(code.as_str().to_owned()) {
                slot.new_groups.insert(code.as_str().to_owned());
                joined = true;
            }
        }
        changed |= !gained.is_empty();
        slot.dirty |= changed;
        for (is_sms, number) in gained {
            let map = if is_sms {
                &mut self.by_sms
            } else {
                &mut self.by_whatsapp
            };
            map.insert(number, index);
        }
        if changed || joined {
            Applied::Updated
        } else {
            Applied::Unchanged
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bote_domain::{GroupCode, PhoneNumber};

    fn row(line: u64, sms: Option<&str>, whatsapp: Option<&str>) -> ImportRow {
        ImportRow {
            line,
            sms_number: sms.map(PhoneNumber::from_e164_unchecked),
            whatsapp_number: whatsapp.map(PhoneNumber::from_e164_unchecked),
            ..ImportRow::default()
        }
    }

    #[test]
    fn later_rows_update_what_earlier_rows_created() {
        let mut book = Book::default();
        let mut first = row(1, Some("+431"), None);
        first.first_name = Some("Anna".into());
        assert_eq!(book.apply(&first), Ok(Applied::Created));
        let mut second = row(2, Some("+431"), Some("+432"));
        second.groups = vec![GroupCode::parse("news").unwrap()];
        assert_eq!(book.apply(&second), Ok(Applied::Updated));
        assert_eq!(book.apply(&second), Ok(Applied::Unchanged));
        assert_eq!(
            book.apply(&row(3, None, Some("+432"))),
            Ok(Applied::Unchanged)
        );
        let [slot] = book.slots() else {
            panic!("one contact expected")
        };
        assert_eq!(slot.first_name.as_deref(), Some("Anna"));
        assert_eq!(slot.whatsapp_number.as_deref(), Some("+432"));
        assert!(slot.new_groups.contains("NEWS"));
    }

    #[test]
    fn conflicts_are_explained() {
        let mut book = Book::default();
        book.add_stored(Slot {
            id: Some(17),
            sms_number: Some("+431".into()),
            whatsapp_number: Some("+439".into()),
            ..Slot::default()
        });
        assert_eq!(
            book.apply(&row(1, None, Some("+432"))),
            Ok(Applied::Created)
        );
        assert_eq!(
            book.apply(&row(2, Some("+431"), Some("+432"))),
            Err((
                BOTH_NUMBERS,
                "sms_number +431 belongs to contact 17 but whatsapp_number +432 to the \
                 contact of line 1"
                    .into()
            ))
        );
        assert_eq!(
            book.apply(&row(3, Some("+431"), Some("+438"))),
            Err((
                "whatsapp_number",
                "contact 17 already has whatsapp_number +439, not +438".into()
            ))
        );
        assert!(book.apply(&row(4, None, None)).is_err());
        assert!(!book.slots()[0].dirty);
    }
}
