use bote_domain::{GroupCode, PhoneNumber};

use super::*;

fn number(n: &str) -> Option<PhoneNumber> {
    Some(PhoneNumber::from_e164_unchecked(n))
}

fn row(line: u64, sms: Option<&str>, whatsapp: Option<&str>) -> ImportRow {
    ImportRow {
        line,
        sms_number: sms.and_then(number),
        whatsapp_number: whatsapp.and_then(number),
        ..ImportRow::default()
    }
}

fn stored(id: i64, sms: Option<&str>, whatsapp: Option<&str>, groups: &[&str]) -> Slot {
    let groups: BTreeSet<String> = groups.iter().map(|g| g.to_string()).collect();
    Slot {
        id: Some(id),
        sms_number: sms.map(str::to_owned),
        whatsapp_number: whatsapp.map(str::to_owned),
        stored_groups: groups.clone(),
        groups,
        ..Slot::default()
    }
}

const A: &str = "+436761111111";
const B: &str = "+436762222222";
const C: &str = "+436763333333";

#[test]
fn unmatched_rows_create_and_later_rows_update_them() {
    let mut first = row(2, Some(A), None);
    first.first_name = Some("Anna".into());
    let mut second = row(3, Some(A), Some(B));
    second.last_name = Some("Muster".into());
    second.groups = vec![GroupCode::from_stored("NEWS")];
    let third = row(4, None, Some(B));

    let plan = plan(vec![], &[first, second, third]);
    assert_eq!(
        (
            plan.outcome.created,
            plan.outcome.updated,
            plan.outcome.unchanged
        ),
        (1, 1, 1)
    );
    assert_eq!(plan.slots.len(), 1);
    let slot = &plan.slots[0];
    assert_eq!(slot.id, None);
    assert_eq!(slot.first_name.as_deref(), Some("Anna"));
    assert_eq!(slot.last_name.as_deref(), Some("Muster"));
    assert_eq!(slot.whatsapp_number.as_deref(), Some(B));
    assert_eq!(slot.new_groups().collect::<Vec<_>>(), ["NEWS"]);
}

#[test]
fn matched_contacts_keep_what_the_row_leaves_empty() {
    let mut contact = stored(7, Some(A), None, &["NEWS"]);
    contact.first_name = Some("Anna".into());
    contact.fields.insert("city".into(), "Wien".into());
    let mut same = row(2, Some(A), None);
    same.first_name = Some(" ".into());
    same.fields.insert("city".into(), String::new());
    same.groups = vec![GroupCode::from_stored("NEWS")];

    let plan = plan(vec![contact.clone()], &[same]);
    assert_eq!(plan.outcome.unchanged, 1);
    assert_eq!(plan.slots[0], contact);
    assert!(!plan.slots[0].touched);
}

#[test]
fn matched_contacts_take_names_fields_numbers_and_groups() {
    let contact = stored(7, None, Some(B), &[]);
    let mut update = row(2, Some(A), Some(B));
    update.first_name = Some("Bert".into());
    update.fields.insert("city".into(), "Graz".into());
    update.groups = vec![GroupCode::from_stored("VIP")];

    let plan = plan(vec![contact], &[update.clone(), update]);
    assert_eq!((plan.outcome.updated, plan.outcome.unchanged), (1, 1));
    let slot = &plan.slots[0];
    assert!(slot.touched);
    assert_eq!(slot.sms_number.as_deref(), Some(A));
    assert_eq!(slot.fields.get("city").map(String::as_str), Some("Graz"));
    assert_eq!(slot.new_groups().collect::<Vec<_>>(), ["VIP"]);
}

#[test]
fn numbers_of_two_contacts_or_a_second_number_are_rejected() {
    let contacts = vec![
        stored(1, Some(A), None, &[]),
        stored(2, Some(C), Some(B), &[]),
    ];
    let rows = [
        row(2, Some(A), Some(B)),
        row(3, Some(C), Some(A)),
        row(4, None, None),
        row(5, Some(A), Some(C)),
    ];
    let plan = plan(contacts, &rows);
    let lines: Vec<u64> = plan.outcome.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 3, 4]);
    assert_eq!(
        plan.outcome.rejected[0].reason,
        format!(
            "sms_number {A} and whatsapp_number {B} belong to two different contacts \
             (contact 1 and contact 2)"
        )
    );
    assert_eq!(
        plan.outcome.rejected[1].reason,
        format!("contact 2 already has whatsapp_number {B}, the row gives {A}")
    );
    // Row 5 gives contact 1 the WhatsApp number C, which contact 2 holds only as SMS number.
    assert_eq!(plan.outcome.updated, 1);
    assert_eq!(plan.slots[0].whatsapp_number.as_deref(), Some(C));
}
