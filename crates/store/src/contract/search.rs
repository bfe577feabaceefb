//! Listing contacts: search by number and by text, and the group filter.

use std::sync::Arc;

use super::support::*;
use crate::{ContactDraft, ContactQuery, Store};

pub async fn contacts_are_found_by_exact_number(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let by_sms = contact(&*store, a, draft(Some(sms(1)), Some(whatsapp(1)))).await;
    let by_whatsapp = contact(&*store, a, draft(Some(sms(2)), Some(whatsapp(2)))).await;
    let both = contact(&*store, a, draft(Some(sms(3)), Some(sms(4)))).await;
    let other = contact(&*store, a, draft(Some(sms(4)), None)).await;
    contact(&*store, a, draft(Some(sms(10)), None)).await;

    assert_eq!(
        ids(&all_contacts(&*store, a, number_query(sms(1))).await),
        vec![by_sms.id]
    );
    assert_eq!(
        ids(&all_contacts(&*store, a, number_query(whatsapp(2))).await),
        vec![by_whatsapp.id]
    );
    // Either number matches: sms(4) is one contact's WhatsApp and another's SMS number.
    assert_eq!(
        ids(&all_contacts(&*store, a, number_query(sms(4))).await),
        vec![both.id, other.id]
    );
    assert!(
        all_contacts(&*store, a, number_query(sms(99)))
            .await
            .is_empty()
    );
    // Exact, not a prefix.
    let prefix = bote_domain::PhoneNumber::from_e164_unchecked(&sms(10).as_str()[..10]);
    assert!(
        all_contacts(&*store, a, number_query(prefix))
            .await
            .is_empty()
    );
}

pub async fn contacts_are_found_by_text_case_insensitively(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let anna = contact(&*store, a, named("Anna", "Berger", sms(1))).await;
    let hannah = contact(&*store, a, named("Hannah", "Müller", sms(2))).await;
    let otto = contact(
        &*store,
        a,
        ContactDraft {
            whatsapp_number: Some(parsed("+4915123456789")),
            ..named("Otto", "Annabichl", sms(3))
        },
    )
    .await;
    let nameless = contact(&*store, a, draft(None, Some(whatsapp(7)))).await;

    assert_eq!(
        search(&*store, a, "ann").await,
        vec![anna.id, hannah.id, otto.id],
        "first and last names"
    );
    assert_eq!(
        search(&*store, a, "ANNA").await,
        vec![anna.id, hannah.id, otto.id],
        "case-insensitive"
    );
    assert_eq!(search(&*store, a, "bERGER").await, vec![anna.id]);
    assert_eq!(search(&*store, a, "müller").await, vec![hannah.id]);
    assert_eq!(search(&*store, a, "ülle").await, vec![hannah.id]);
    assert_eq!(
        search(&*store, a, "1512345").await,
        vec![otto.id],
        "WhatsApp number substring"
    );
    assert_eq!(
        search(&*store, a, &sms(2).as_str()[3..]).await,
        vec![hannah.id],
        "SMS number substring"
    );
    assert_eq!(search(&*store, a, "+43664").await, vec![nameless.id]);
    assert!(search(&*store, a, "zebra").await.is_empty());
    assert_eq!(
        search(&*store, a, "").await.len(),
        4,
        "empty text matches everything"
    );
}

pub async fn search_text_wildcards_match_literally(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let percent = contact(&*store, a, named("100%", "Bio", sms(1))).await;
    contact(&*store, a, named("1000", "Bio", sms(2))).await;
    let underscore = contact(&*store, a, named("a_b", "x", sms(3))).await;
    contact(&*store, a, named("axb", "x", sms(4))).await;
    let backslash = contact(&*store, a, named("c\\d", "x", sms(5))).await;
    contact(&*store, a, named("cd", "x", sms(6))).await;

    assert_eq!(search(&*store, a, "100%").await, vec![percent.id]);
    assert_eq!(search(&*store, a, "%").await, vec![percent.id]);
    assert_eq!(search(&*store, a, "a_b").await, vec![underscore.id]);
    assert_eq!(search(&*store, a, "_").await, vec![underscore.id]);
    assert_eq!(search(&*store, a, "c\\d").await, vec![backslash.id]);
    assert_eq!(search(&*store, a, "\\").await, vec![backslash.id]);
    assert!(search(&*store, a, "[a]").await.is_empty());
    assert!(search(&*store, a, ".*").await.is_empty());
}

pub async fn contacts_are_filtered_by_group(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    group(&*store, a, "news").await;
    group(&*store, a, "empty").await;
    let mut members = Vec::new();
    for i in 0..12 {
        let groups = if i % 3 == 0 { codes(&["news"]) } else { vec![] };
        let draft = ContactDraft {
            groups: Some(groups),
            ..named(&format!("Name{i}"), "X", sms(i))
        };
        let c = contact(&*store, a, draft).await;
        if i % 3 == 0 {
            members.push(c.id);
        }
    }
    let all = all_contacts(
        &*store,
        a,
        ContactQuery {
            limit: 3,
            ..group_query("NEWS")
        },
    )
    .await;
    assert_eq!(ids(&all), members);
    assert!(all.iter().all(|c| c.groups == codes(&["NEWS"])));
    let page = store
        .list_contacts(
            a,
            ContactQuery {
                limit: 2,
                ..group_query("news")
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(&page.items), members[..2].to_vec());
    assert_eq!(page.next_after, Some(members[1].0));

    // Group and search together.
    let query = ContactQuery {
        search: Some(crate::ContactSearch::Text("name9".into())),
        ..group_query("news")
    };
    assert_eq!(
        ids(&all_contacts(&*store, a, query).await),
        vec![members[3]]
    );
    let query = ContactQuery {
        search: Some(crate::ContactSearch::Number(sms(1))),
        ..group_query("news")
    };
    assert!(all_contacts(&*store, a, query).await.is_empty());

    assert!(
        all_contacts(&*store, a, group_query("empty"))
            .await
            .is_empty()
    );
    // A code that names no group gives an empty page, not an error.
    let page = store.list_contacts(a, group_query("nope")).await.unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.next_after, None);
}
