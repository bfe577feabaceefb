//! Contacts: CRUD, unique numbers, memberships through drafts, listing and search.

use std::sync::Arc;

use bote_domain::ContactId;
use chrono::{Duration, Utc};

use super::support::*;
use crate::{ContactDraft, ContactQuery, Store};

pub async fn contacts_are_created_read_updated_and_deleted(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    group(&*store, a, "news").await;
    group(&*store, a, "alpha").await;
    let before = Utc::now() - Duration::seconds(5);
    let created = contact(
        &*store,
        a,
        ContactDraft {
            first_name: Some("Anna".into()),
            last_name: Some("Berger".into()),
            sms_number: Some(sms(1)),
            whatsapp_number: Some(whatsapp(1)),
            fields: fields(&[("city", "Graz"), ("plan", "gold")]),
            groups: Some(codes(&["news", "ALPHA"])),
        },
    )
    .await;
    assert_eq!(created.first_name.as_deref(), Some("Anna"));
    assert_eq!(created.last_name.as_deref(), Some("Berger"));
    assert_eq!(created.sms_number, Some(sms(1)));
    assert_eq!(created.whatsapp_number, Some(whatsapp(1)));
    assert_eq!(
        created.fields,
        fields(&[("city", "Graz"), ("plan", "gold")])
    );
    assert_eq!(
        created.groups,
        codes(&["ALPHA", "NEWS"]),
        "group codes come sorted"
    );
    assert!(created.created_at > before);
    assert_eq!(created.updated_at, created.created_at);
    assert_eq!(store.contact(a, created.id).await.unwrap(), created);

    // Update replaces the whole state; `groups: None` keeps memberships.
    let updated = store
        .update_contact(
            a,
            created.id,
            ContactDraft {
                first_name: Some("Anna-Lena".into()),
                last_name: None,
                sms_number: None,
                whatsapp_number: Some(whatsapp(2)),
                fields: fields(&[("city", "Wien")]),
                groups: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.id, created.id);
    assert_eq!(updated.first_name.as_deref(), Some("Anna-Lena"));
    assert_eq!(updated.last_name, None);
    assert_eq!(updated.sms_number, None);
    assert_eq!(updated.whatsapp_number, Some(whatsapp(2)));
    assert_eq!(updated.fields, fields(&[("city", "Wien")]));
    assert_eq!(updated.groups, codes(&["ALPHA", "NEWS"]));
    assert_eq!(updated.created_at, created.created_at);
    assert!(updated.updated_at >= created.updated_at);
    assert_eq!(store.contact(a, created.id).await.unwrap(), updated);
    // The old numbers are free again.
    contact(&*store, a, draft(Some(sms(1)), Some(whatsapp(1)))).await;

    store.delete_contact(a, created.id).await.unwrap();
    assert_not_found(store.contact(a, created.id).await);
    assert_not_found(store.delete_contact(a, created.id).await);
    assert_not_found(
        store
            .update_contact(a, created.id, draft(Some(sms(3)), None))
            .await,
    );
    assert_not_found(store.contact(a, ContactId(created.id.0 + 1000)).await);
    let left = all_contacts(&*store, a, page_query(10)).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].sms_number, Some(sms(1)));
}

pub async fn contact_numbers_are_unique_per_kind_and_account(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    let first = contact(&*store, a, draft(Some(sms(1)), Some(whatsapp(1)))).await;
    let second = contact(&*store, a, draft(Some(sms(2)), None)).await;

    assert_conflict(
        store.create_contact(a, draft(Some(sms(1)), None)).await,
        "sms_number",
        sms(1).as_str(),
    );
    assert_conflict(
        store
            .create_contact(a, draft(Some(sms(3)), Some(whatsapp(1))))
            .await,
        "whatsapp_number",
        whatsapp(1).as_str(),
    );
    assert_conflict(
        store
            .update_contact(a, second.id, draft(Some(sms(1)), None))
            .await,
        "sms_number",
        sms(1).as_str(),
    );
    assert_conflict(
        store
            .update_contact(a, second.id, draft(Some(sms(2)), Some(whatsapp(1))))
            .await,
        "whatsapp_number",
        whatsapp(1).as_str(),
    );
    // A failed write changes nothing.
    assert_eq!(store.contact(a, second.id).await.unwrap(), second);
    assert_eq!(all_contacts(&*store, a, page_query(10)).await.len(), 2);

    // Keeping one's own numbers is no conflict.
    let kept = store
        .update_contact(a, first.id, draft(Some(sms(1)), Some(whatsapp(1))))
        .await;
    assert_eq!(kept.unwrap().sms_number, Some(sms(1)));
    // One number may be one contact's SMS number and another's WhatsApp number.
    let crossed = contact(&*store, a, draft(None, Some(sms(2)))).await;
    assert_eq!(crossed.whatsapp_number, Some(sms(2)));
    // Other accounts have their own phone books.
    let theirs = contact(&*store, b, draft(Some(sms(1)), Some(whatsapp(1)))).await;
    assert_ne!(theirs.id, first.id);
}

pub async fn contact_groups_are_replaced_only_when_given(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let news = group(&*store, a, "news").await;
    let vip = group(&*store, a, "vip").await;
    let c = contact(
        &*store,
        a,
        ContactDraft {
            groups: Some(codes(&["news"])),
            ..draft(Some(sms(1)), None)
        },
    )
    .await;
    assert_eq!(c.groups, codes(&["NEWS"]));

    let moved = store
        .update_contact(
            a,
            c.id,
            ContactDraft {
                groups: Some(codes(&["vip", "Vip"])),
                ..draft(Some(sms(1)), None)
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.groups, codes(&["VIP"]));
    assert_eq!(store.group(a, news.id).await.unwrap().member_count, 0);
    assert_eq!(store.group(a, vip.id).await.unwrap().member_count, 1);

    let kept = store
        .update_contact(a, c.id, draft(Some(sms(1)), None))
        .await
        .unwrap();
    assert_eq!(kept.groups, codes(&["VIP"]));
    assert_eq!(
        store.contact(a, c.id).await.unwrap().groups,
        codes(&["VIP"])
    );

    let cleared = store
        .update_contact(
            a,
            c.id,
            ContactDraft {
                groups: Some(vec![]),
                ..draft(Some(sms(1)), None)
            },
        )
        .await
        .unwrap();
    assert!(cleared.groups.is_empty());
    assert_eq!(store.group(a, vip.id).await.unwrap().member_count, 0);
    assert!(store.contact(a, c.id).await.unwrap().groups.is_empty());
}

pub async fn unknown_groups_are_rejected_without_changes(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let news = group(&*store, a, "news").await;
    let with_unknown = ContactDraft {
        groups: Some(codes(&["news", "nope"])),
        ..draft(Some(sms(1)), None)
    };
    assert_unknown(
        store.create_contact(a, with_unknown.clone()).await,
        "group",
        "NOPE",
    );
    assert!(
        all_contacts(&*store, a, page_query(10)).await.is_empty(),
        "nothing was created"
    );
    assert_eq!(store.group(a, news.id).await.unwrap().member_count, 0);

    let c = contact(
        &*store,
        a,
        ContactDraft {
            groups: Some(codes(&["news"])),
            ..draft(Some(sms(2)), None)
        },
    )
    .await;
    let renamed = ContactDraft {
        first_name: Some("Changed".into()),
        groups: Some(codes(&["nope"])),
        ..draft(Some(sms(2)), None)
    };
    assert_unknown(
        store.update_contact(a, c.id, renamed).await,
        "group",
        "NOPE",
    );
    assert_eq!(
        store.contact(a, c.id).await.unwrap(),
        c,
        "the failed update changed nothing"
    );
    assert_eq!(store.group(a, news.id).await.unwrap().member_count, 1);
}

pub async fn contact_pages_cover_every_contact_once(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let mut created = Vec::new();
    for i in 0..21 {
        created.push(contact(&*store, a, draft(Some(sms(i)), None)).await.id);
    }
    let first = store.list_contacts(a, page_query(7)).await.unwrap();
    assert_eq!(first.items.len(), 7);
    assert_eq!(ids(&first.items), created[..7].to_vec());
    assert_eq!(first.next_after, Some(created[6].0));

    for limit in [1, 5, 7, 20, 21, 22, 100] {
        let all = all_contacts(&*store, a, page_query(limit)).await;
        assert_eq!(ids(&all), created, "limit {limit}");
    }
    // A limit of 0 is taken as 1.
    let one = store.list_contacts(a, page_query(0)).await.unwrap();
    assert_eq!(ids(&one.items), vec![created[0]]);
    assert_eq!(one.next_after, Some(created[0].0));
    // A full last page is the last page: no `next_after` pointing at nothing.
    let third = store
        .list_contacts(
            a,
            ContactQuery {
                after: Some(created[13]),
                ..page_query(7)
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(&third.items), created[14..].to_vec());
    assert_eq!(third.next_after, None);
    // Deleted contacts leave no gap in the walk.
    store.delete_contact(a, created[3]).await.unwrap();
    let all = all_contacts(&*store, a, page_query(4)).await;
    assert_eq!(all.len(), 20);
    assert!(!ids(&all).contains(&created[3]));
}
