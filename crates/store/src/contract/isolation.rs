//! Isolation: no method of one account reads or changes another account's rows.

use std::sync::Arc;

use bote_domain::{TokenScope, UserRole};

use super::support::*;
use crate::{
    ContactDraft, ContactQuery, ContactSearch, Group, GroupDraft, ImportRow, MembershipChange,
    NewToken, NewUser, Store,
};

pub async fn accounts_cannot_see_each_others_contacts(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    group(&*store, a, "news").await;
    let theirs = contact(
        &*store,
        a,
        ContactDraft {
            groups: Some(codes(&["news"])),
            ..named("Anna", "Berger", sms(1))
        },
    )
    .await;
    let mine = contact(&*store, b, named("Bert", "Huber", sms(2))).await;

    assert_not_found(store.contact(b, theirs.id).await);
    assert_not_found(
        store
            .update_contact(b, theirs.id, named("Evil", "X", sms(3)))
            .await,
    );
    assert_not_found(store.delete_contact(b, theirs.id).await);
    assert_eq!(
        store.contact(a, theirs.id).await.unwrap(),
        theirs,
        "A's contact is untouched"
    );

    assert_eq!(
        ids(&all_contacts(&*store, b, page_query(10)).await),
        vec![mine.id]
    );
    // Paging from A's ids shows nothing of A.
    let after = ContactQuery {
        after: Some(bote_domain::ContactId(0)),
        ..page_query(10)
    };
    assert_eq!(ids(&all_contacts(&*store, b, after).await), vec![mine.id]);
    assert!(
        all_contacts(&*store, b, number_query(sms(1)))
            .await
            .is_empty()
    );
    assert!(search(&*store, b, "anna").await.is_empty());
    assert!(search(&*store, b, &sms(1).as_str()[1..]).await.is_empty());
    assert!(
        all_contacts(&*store, b, group_query("news"))
            .await
            .is_empty()
    );
    // B has a group of that code too: still only B's members.
    group(&*store, b, "news").await;
    assert!(
        all_contacts(&*store, b, group_query("news"))
            .await
            .is_empty()
    );
    let both = ContactQuery {
        search: Some(ContactSearch::Text("a".into())),
        ..group_query("news")
    };
    assert!(all_contacts(&*store, b, both).await.is_empty());
    assert_eq!(
        ids(&all_contacts(&*store, a, group_query("news")).await),
        vec![theirs.id]
    );
}

pub async fn accounts_cannot_touch_each_others_groups(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    let theirs = group(&*store, a, "news").await;
    let c = contact(
        &*store,
        a,
        ContactDraft {
            groups: Some(codes(&["news"])),
            ..draft(Some(sms(1)), None)
        },
    )
    .await;

    assert_not_found(store.group(b, theirs.id).await);
    assert_not_found(store.group_by_code(b, &code("news")).await);
    let rename = GroupDraft {
        name: "Mine".into(),
        code: code("mine"),
    };
    assert_not_found(store.update_group(b, theirs.id, rename).await);
    assert_not_found(store.delete_group(b, theirs.id).await);
    assert!(
        store
            .list_groups(b, None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_not_found(store.add_members(b, theirs.id, &[c.id]).await);
    assert_not_found(store.remove_members(b, theirs.id, &[c.id]).await);

    let after = store.group(a, theirs.id).await.unwrap();
    assert_eq!(
        after,
        Group {
            member_count: 1,
            ..theirs.clone()
        }
    );
    assert_eq!(
        store.contact(a, c.id).await.unwrap().groups,
        codes(&["NEWS"])
    );
    let mine = group(&*store, b, "NEWS").await;
    assert_ne!(mine.id, theirs.id);
    assert_eq!(
        store.group_by_code(b, &code("news")).await.unwrap().id,
        mine.id
    );
    assert_eq!(
        store.group_by_code(a, &code("news")).await.unwrap().id,
        theirs.id
    );
}

pub async fn accounts_cannot_use_each_others_groups_or_contacts(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    group(&*store, a, "news").await;
    let theirs = contact(&*store, a, draft(Some(sms(1)), None)).await;
    let their_other = contact(&*store, a, draft(Some(sms(2)), None)).await;

    // A's group codes mean nothing in B.
    let joining = ContactDraft {
        groups: Some(codes(&["news"])),
        ..draft(Some(sms(3)), None)
    };
    assert_unknown(store.create_contact(b, joining).await, "group", "NEWS");
    assert!(all_contacts(&*store, b, page_query(10)).await.is_empty());

    // A's contact ids are unknown contacts in B's groups.
    let mine = group(&*store, b, "mine").await;
    let mut ids_of_a = vec![theirs.id, their_other.id];
    let change = store.add_members(b, mine.id, &ids_of_a).await.unwrap();
    assert_eq!(
        change,
        MembershipChange {
            changed: 0,
            unknown_contacts: ids_of_a.clone()
        }
    );
    let change = store.remove_members(b, mine.id, &ids_of_a).await.unwrap();
    assert_eq!(
        change,
        MembershipChange {
            changed: 0,
            unknown_contacts: ids_of_a.clone()
        }
    );
    let own = contact(&*store, b, draft(Some(sms(1)), None)).await;
    ids_of_a.insert(0, own.id);
    let change = store.add_members(b, mine.id, &ids_of_a).await.unwrap();
    assert_eq!(
        change,
        MembershipChange {
            changed: 1,
            unknown_contacts: ids_of_a[1..].to_vec()
        }
    );
    assert_eq!(store.group(b, mine.id).await.unwrap().member_count, 1);
    assert!(store.contact(a, theirs.id).await.unwrap().groups.is_empty());
}

pub async fn imports_stay_within_their_account(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    let news_a = group(&*store, a, "news").await;
    let theirs = contact(
        &*store,
        a,
        ContactDraft {
            first_name: Some("Anna".into()),
            whatsapp_number: Some(whatsapp(1)),
            ..draft(Some(sms(1)), None)
        },
    )
    .await;
    // In A these numbers are one contact; in B they are nobody's yet.
    let rows = vec![
        ImportRow {
            first_name: Some("Other".into()),
            groups: codes(&["news"]),
            ..row(1, Some(sms(1)), None)
        },
        row(2, Some(sms(1)), Some(whatsapp(1))),
        row(3, None, Some(whatsapp(1))),
    ];
    let outcome = store.import_contacts(b, &rows).await.unwrap();
    assert_eq!(
        (outcome.created, outcome.updated, outcome.unchanged),
        (1, 1, 1),
        "{outcome:?}"
    );
    assert!(outcome.rejected.is_empty(), "{outcome:?}");

    assert_eq!(store.contact(a, theirs.id).await.unwrap(), theirs);
    assert_eq!(store.group(a, news_a.id).await.unwrap().member_count, 0);
    let news_b = store.group_by_code(b, &code("news")).await.unwrap();
    assert_ne!(news_b.id, news_a.id);
    assert_eq!(news_b.member_count, 1);
    let mine = all_contacts(&*store, b, page_query(10)).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0].first_name.as_deref(), Some("Other"));
    assert_eq!(mine[0].whatsapp_number, Some(whatsapp(1)));
    assert_ne!(mine[0].id, theirs.id);
    assert_eq!(all_contacts(&*store, a, page_query(10)).await, vec![theirs]);
}

pub async fn users_and_tokens_stay_within_their_account(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    let new_user = |account, name: &str| NewUser {
        account_id: Some(account),
        username: name.into(),
        role: UserRole::Member,
        password_hash: "$argon2id$x".into(),
        email: None,
    };
    let anna = store.create_user(new_user(a, "anna")).await.unwrap();
    let bert = store.create_user(new_user(b, "bert")).await.unwrap();
    assert_eq!(store.list_users(a).await.unwrap(), vec![anna]);
    assert_eq!(store.list_users(b).await.unwrap(), vec![bert]);

    let new_token = |account, hash: &str| NewToken {
        account_id: account,
        name: "api".into(),
        scope: TokenScope::Full,
        prefix: "bote_x".into(),
        hash: hash.into(),
    };
    let theirs = store
        .create_token(new_token(a, &"1".repeat(64)))
        .await
        .unwrap();
    let mine = store
        .create_token(new_token(b, &"2".repeat(64)))
        .await
        .unwrap();
    assert_eq!(store.list_tokens(a).await.unwrap(), vec![theirs.clone()]);
    assert_eq!(store.list_tokens(b).await.unwrap(), vec![mine.clone()]);
    assert_not_found(store.revoke_token(b, theirs.id).await);
    assert_eq!(
        store.active_token_by_hash(&"1".repeat(64)).await.unwrap(),
        theirs
    );
    assert_eq!(
        store
            .active_token_by_hash(&"2".repeat(64))
            .await
            .unwrap()
            .account_id,
        b
    );
    assert_eq!(store.revoke_token(b, mine.id).await.unwrap().account_id, b);
}
