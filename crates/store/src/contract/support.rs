//! Helpers shared by the contract tests: numbers, drafts, fresh accounts, error checks.

use std::collections::BTreeMap;
use std::fmt::Debug;

use bote_domain::{AccountId, AccountKind, ContactId, GroupCode, PhoneNumber, Region};

use crate::{
    Contact, ContactDraft, ContactQuery, ContactSearch, Group, GroupDraft, ImportOutcome,
    ImportRow, NewAccount, Store, StoreError, StoreResult,
};

/// A valid Austrian mobile number, distinct for each `i` below 8,000,000 (SMS-style range).
pub fn sms(i: u32) -> PhoneNumber {
    PhoneNumber::from_e164_unchecked(format!("+43676{}", 1_000_000 + i))
}

/// A valid Austrian mobile number from another range, for WhatsApp numbers.
pub fn whatsapp(i: u32) -> PhoneNumber {
    PhoneNumber::from_e164_unchecked(format!("+43664{}", 1_000_000 + i))
}

/// A number as a person types it, parsed like the API does.
pub fn parsed(input: &str) -> PhoneNumber {
    PhoneNumber::parse(input, Region::AUSTRIA).expect("a valid test number")
}

pub fn code(text: &str) -> GroupCode {
    GroupCode::parse(text).expect("a valid group code")
}

pub async fn account(store: &dyn Store, name: &str) -> AccountId {
    store
        .create_account(NewAccount {
            name: name.into(),
            kind: AccountKind::Business,
            trial_ends_at: None,
            verified_number: None,
            time_zone: None,
        })
        .await
        .expect("create account")
        .id
}

pub async fn group(store: &dyn Store, account: AccountId, text: &str) -> Group {
    store
        .create_group(
            account,
            GroupDraft {
                name: format!("Group {text}"),
                code: code(text),
            },
        )
        .await
        .expect("create group")
}

pub fn draft(sms: Option<PhoneNumber>, whatsapp: Option<PhoneNumber>) -> ContactDraft {
    ContactDraft {
        sms_number: sms,
        whatsapp_number: whatsapp,
        ..ContactDraft::default()
    }
}

pub fn named(first: &str, last: &str, sms: PhoneNumber) -> ContactDraft {
    ContactDraft {
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        sms_number: Some(sms),
        ..ContactDraft::default()
    }
}

pub async fn contact(store: &dyn Store, account: AccountId, draft: ContactDraft) -> Contact {
    store
        .create_contact(account, draft)
        .await
        .expect("create contact")
}

pub fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn row(line: u64, sms: Option<PhoneNumber>, whatsapp: Option<PhoneNumber>) -> ImportRow {
    ImportRow {
        line,
        sms_number: sms,
        whatsapp_number: whatsapp,
        ..ImportRow::default()
    }
}

/// Every contact the query matches, walking all pages of `limit`; checks that ids rise and
/// that only the last page has no `next_after`.
pub async fn all_contacts(
    store: &dyn Store,
    account: AccountId,
    mut query: ContactQuery,
) -> Vec<Contact> {
    let mut all: Vec<Contact> = Vec::new();
    loop {
        let page = store
            .list_contacts(account, query.clone())
            .await
            .expect("list contacts");
        assert!(
            page.items.len() <= query.limit.max(1) as usize,
            "page larger than its limit"
        );
        for contact in page.items {
            if let Some(last) = all.last() {
                assert!(
                    contact.id > last.id,
                    "ids must rise: {:?} after {:?}",
                    contact.id,
                    last.id
                );
            }
            all.push(contact);
        }
        match page.next_after {
            Some(after) => {
                assert_eq!(
                    Some(after),
                    all.last().map(|c| c.id.0),
                    "next_after = last id"
                );
                query.after = Some(ContactId(after));
            }
            None => return all,
        }
    }
}

pub fn page_query(limit: u32) -> ContactQuery {
    ContactQuery {
        limit,
        ..ContactQuery::default()
    }
}

pub fn text_query(text: &str) -> ContactQuery {
    ContactQuery {
        search: Some(ContactSearch::Text(text.into())),
        limit: 100,
        ..ContactQuery::default()
    }
}

pub fn number_query(number: PhoneNumber) -> ContactQuery {
    ContactQuery {
        search: Some(ContactSearch::Number(number)),
        limit: 100,
        ..ContactQuery::default()
    }
}

pub fn group_query(text: &str) -> ContactQuery {
    ContactQuery {
        group: Some(code(text)),
        limit: 100,
        ..ContactQuery::default()
    }
}

pub fn ids(contacts: &[Contact]) -> Vec<ContactId> {
    contacts.iter().map(|c| c.id).collect()
}

pub fn codes(texts: &[&str]) -> Vec<GroupCode> {
    texts.iter().map(|t| code(t)).collect()
}

#[track_caller]
pub fn assert_not_found<T: Debug>(result: StoreResult<T>) {
    match result {
        Err(StoreError::NotFound(_)) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[track_caller]
pub fn assert_conflict<T: Debug>(result: StoreResult<T>, what: &str, value: &str) {
    match result {
        Err(StoreError::Conflict { what: w, value: v }) if w == what && v == value => {}
        other => panic!("expected Conflict {{ {what}, {value} }}, got {other:?}"),
    }
}

#[track_caller]
pub fn assert_unknown<T: Debug>(result: StoreResult<T>, what: &str, value: &str) {
    match result {
        Err(StoreError::Unknown { what: w, value: v }) if w == what && v == value => {}
        other => panic!("expected Unknown {{ {what}, {value} }}, got {other:?}"),
    }
}

/// The ids of the contacts whose names or numbers contain `text`.
pub async fn search(store: &dyn Store, account: AccountId, text: &str) -> Vec<ContactId> {
    ids(&all_contacts(store, account, text_query(text)).await)
}

pub fn full_row(line: u64, i: u32, first: &str, groups: &[&str]) -> ImportRow {
    ImportRow {
        line,
        first_name: Some(first.into()),
        last_name: Some(format!("Last{i}")),
        sms_number: Some(sms(i)),
        whatsapp_number: Some(whatsapp(i)),
        fields: fields(&[("customer", &i.to_string())]),
        groups: codes(groups),
    }
}

pub fn counts(created: u64, updated: u64, unchanged: u64) -> ImportOutcome {
    ImportOutcome {
        created,
        updated,
        unchanged,
        rejected: vec![],
    }
}
