//! Groups: CRUD, case-insensitive codes, member counts and bulk membership changes.

use std::sync::Arc;

use bote_domain::{ContactId, GroupId};
use chrono::{Duration, Utc};

use super::support::*;
use crate::{ContactDraft, GroupDraft, MembershipChange, Store};

pub async fn groups_are_created_read_updated_and_deleted(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let before = Utc::now() - Duration::seconds(5);
    let news = store
        .create_group(
            a,
            GroupDraft {
                name: "Newsletter".into(),
                code: code("news"),
            },
        )
        .await
        .unwrap();
    assert_eq!(news.name, "Newsletter");
    assert_eq!(news.code, code("NEWS"));
    assert_eq!(news.code.as_str(), "NEWS");
    assert_eq!(news.member_count, 0);
    assert!(news.created_at > before);
    assert_eq!(store.group(a, news.id).await.unwrap(), news);
    assert_eq!(store.group_by_code(a, &code("News")).await.unwrap(), news);
    assert_not_found(store.group_by_code(a, &code("other")).await);
    assert_not_found(store.group(a, GroupId(news.id.0 + 1000)).await);

    let renamed = store
        .update_group(
            a,
            news.id,
            GroupDraft {
                name: "Kundeninfo".into(),
                code: code("info"),
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.id, news.id);
    assert_eq!(renamed.name, "Kundeninfo");
    assert_eq!(renamed.code.as_str(), "INFO");
    assert_eq!(renamed.created_at, news.created_at);
    assert_eq!(store.group(a, news.id).await.unwrap(), renamed);
    assert_not_found(store.group_by_code(a, &code("news")).await);
    assert_eq!(
        store.group_by_code(a, &code("info")).await.unwrap(),
        renamed
    );
    // Keeping its own code is no conflict.
    let same = store
        .update_group(
            a,
            news.id,
            GroupDraft {
                name: "Info".into(),
                code: code("INFO"),
            },
        )
        .await;
    assert_eq!(same.unwrap().name, "Info");

    store.delete_group(a, news.id).await.unwrap();
    assert_not_found(store.group(a, news.id).await);
    assert_not_found(store.delete_group(a, news.id).await);
    assert_not_found(
        store
            .update_group(
                a,
                news.id,
                GroupDraft {
                    name: "x".into(),
                    code: code("x"),
                },
            )
            .await,
    );
    assert!(
        store
            .list_groups(a, None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // The code is free again.
    group(&*store, a, "info").await;
}

pub async fn group_codes_conflict_case_insensitively(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    group(&*store, a, "news").await;
    let vip = group(&*store, a, "vip").await;
    let again = store
        .create_group(
            a,
            GroupDraft {
                name: "Other".into(),
                code: code("NeWs"),
            },
        )
        .await;
    assert_conflict(again, "group code", "NEWS");
    let taken = store
        .update_group(
            a,
            vip.id,
            GroupDraft {
                name: "VIP".into(),
                code: code("news"),
            },
        )
        .await;
    assert_conflict(taken, "group code", "NEWS");
    assert_eq!(
        store.group(a, vip.id).await.unwrap(),
        vip,
        "the failed update changed nothing"
    );
    assert_eq!(store.list_groups(a, None, 10).await.unwrap().items.len(), 2);
    // Codes are unique per account only.
    assert_eq!(group(&*store, b, "news").await.code.as_str(), "NEWS");
}

pub async fn group_pages_cover_every_group_once(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let mut created = Vec::new();
    for i in 0..10 {
        created.push(group(&*store, a, &format!("g{i}")).await);
    }
    let c = contact(
        &*store,
        a,
        ContactDraft {
            groups: Some(codes(&["g1", "g2"])),
            ..draft(Some(sms(1)), None)
        },
    )
    .await;
    assert_eq!(c.groups, codes(&["G1", "G2"]));

    let first = store.list_groups(a, None, 4).await.unwrap();
    assert_eq!(first.items.len(), 4);
    assert_eq!(first.next_after, Some(created[3].id.0));
    assert_eq!(first.items[1].member_count, 1, "lists carry member counts");
    assert_eq!(first.items[3].member_count, 0);
    for limit in [1, 3, 4, 9, 10, 11] {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = store.list_groups(a, after, limit).await.unwrap();
            assert!(page.items.len() <= limit as usize);
            all.extend(page.items);
            match page.next_after {
                Some(id) => after = Some(GroupId(id)),
                None => break,
            }
        }
        let want: Vec<_> = created.iter().map(|g| g.id).collect();
        assert_eq!(
            all.iter().map(|g| g.id).collect::<Vec<_>>(),
            want,
            "limit {limit}"
        );
    }
}

pub async fn members_are_added_and_removed_in_bulk(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let news = group(&*store, a, "news").await;
    let c1 = contact(&*store, a, draft(Some(sms(1)), None)).await.id;
    let c2 = contact(&*store, a, draft(Some(sms(2)), None)).await.id;
    let c3 = contact(&*store, a, draft(None, Some(whatsapp(3)))).await.id;
    let missing = ContactId(c3.0 + 1000);

    let added = store
        .add_members(a, news.id, &[c1, c2, c2, missing, missing])
        .await
        .unwrap();
    assert_eq!(
        added,
        MembershipChange {
            changed: 2,
            unknown_contacts: vec![missing]
        }
    );
    assert_eq!(store.group(a, news.id).await.unwrap().member_count, 2);
    assert_eq!(store.contact(a, c1).await.unwrap().groups, codes(&["NEWS"]));

    // Contacts already in the group don't count again.
    let again = store.add_members(a, news.id, &[c1, c2, c3]).await.unwrap();
    assert_eq!(
        again,
        MembershipChange {
            changed: 1,
            unknown_contacts: vec![]
        }
    );
    assert_eq!(store.group(a, news.id).await.unwrap().member_count, 3);
    let none = store.add_members(a, news.id, &[]).await.unwrap();
    assert_eq!(none, MembershipChange::default());

    let removed = store
        .remove_members(a, news.id, &[c1, c1, missing])
        .await
        .unwrap();
    assert_eq!(
        removed,
        MembershipChange {
            changed: 1,
            unknown_contacts: vec![missing]
        }
    );
    // Contacts never (or no longer) in the group don't count either.
    let again = store.remove_members(a, news.id, &[c1, c2]).await.unwrap();
    assert_eq!(
        again,
        MembershipChange {
            changed: 1,
            unknown_contacts: vec![]
        }
    );
    assert_eq!(store.group(a, news.id).await.unwrap().member_count, 1);
    assert!(store.contact(a, c1).await.unwrap().groups.is_empty());
    assert_eq!(store.contact(a, c3).await.unwrap().groups, codes(&["NEWS"]));

    let gone = GroupId(news.id.0 + 1000);
    assert_not_found(store.add_members(a, gone, &[c1]).await);
    assert_not_found(store.remove_members(a, gone, &[c3]).await);
}

pub async fn deleting_a_group_keeps_its_contacts(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let news = group(&*store, a, "news").await;
    group(&*store, a, "vip").await;
    let c = contact(
        &*store,
        a,
        ContactDraft {
            groups: Some(codes(&["news", "vip"])),
            ..draft(Some(sms(1)), None)
        },
    )
    .await;
    store.delete_group(a, news.id).await.unwrap();
    let after = store.contact(a, c.id).await.unwrap();
    assert_eq!(after.groups, codes(&["VIP"]));
    assert_eq!(after.sms_number, Some(sms(1)));
    // A new group with the old code starts empty.
    let reborn = group(&*store, a, "news").await;
    assert_eq!(reborn.member_count, 0);
    assert!(
        all_contacts(&*store, a, group_query("news"))
            .await
            .is_empty()
    );
}

pub async fn deleting_a_contact_ends_its_memberships(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let news = group(&*store, a, "news").await;
    let c1 = contact(
        &*store,
        a,
        ContactDraft {
            groups: Some(codes(&["news"])),
            ..draft(Some(sms(1)), None)
        },
    )
    .await;
    let c2 = contact(
        &*store,
        a,
        ContactDraft {
            groups: Some(codes(&["news"])),
            ..draft(Some(sms(2)), None)
        },
    )
    .await;
    assert_eq!(store.group(a, news.id).await.unwrap().member_count, 2);
    store.delete_contact(a, c1.id).await.unwrap();
    assert_eq!(store.group(a, news.id).await.unwrap().member_count, 1);
    assert_eq!(
        ids(&all_contacts(&*store, a, group_query("news")).await),
        vec![c2.id]
    );
    // The deleted contact is unknown to membership changes now.
    let change = store.add_members(a, news.id, &[c1.id]).await.unwrap();
    assert_eq!(
        change,
        MembershipChange {
            changed: 0,
            unknown_contacts: vec![c1.id]
        }
    );
}
