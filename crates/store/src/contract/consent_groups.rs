//! Consent by group keyword: START/STOP <code> move only that membership (R10, R12), one
//! number at a time or many at once, each change with its ledger entry; deleting the contact
//! leaves the opt-in and the ledger (R14).

use std::sync::Arc;

use bote_domain::ChannelKind;

use super::consent::keyword;
use super::support::{account, code, draft, group, whatsapp};
use crate::{ConsentEvent, GroupMove, Store};

/// R10, R12, R14: group keywords move only that membership; deleting the contact leaves
/// the opt-in and the ledger.
pub async fn group_keywords_join_and_leave_with_ledger_entries(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let news = group(&*store, a, "news").await;
    group(&*store, a, "vip").await;
    let n = whatsapp(1);
    store
        .give_opt_in(a, &n, keyword("1", "START NEWS"), None)
        .await
        .unwrap();
    let joined = store
        .join_group(
            a,
            &n,
            ChannelKind::Whatsapp,
            &code("news"),
            keyword("1", "START NEWS"),
        )
        .await
        .unwrap();
    let GroupMove::Changed(contact) = joined else {
        panic!("expected a join: {joined:?}");
    };
    store
        .join_group(
            a,
            &n,
            ChannelKind::Whatsapp,
            &code("VIP"),
            keyword("2", "START VIP"),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .join_group(
                a,
                &n,
                ChannelKind::Whatsapp,
                &code("news"),
                keyword("3", "START NEWS")
            )
            .await
            .unwrap(),
        GroupMove::Unchanged
    );
    let err = store
        .join_group(
            a,
            &n,
            ChannelKind::Whatsapp,
            &code("nope"),
            keyword("4", "START NOPE"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, crate::StoreError::Unknown { what: "group", .. }),
        "{err:?}"
    );
    assert_eq!(
        store.contact(a, contact).await.unwrap().groups,
        vec![code("NEWS"), code("VIP")]
    );
    // R12: leaving one group keeps the other and the opt-in.
    assert_eq!(
        store
            .leave_group(
                a,
                &n,
                ChannelKind::Whatsapp,
                &code("news"),
                keyword("5", "STOP NEWS")
            )
            .await
            .unwrap(),
        GroupMove::Changed(contact)
    );
    assert_eq!(
        store
            .leave_group(
                a,
                &n,
                ChannelKind::Whatsapp,
                &code("news"),
                keyword("6", "STOP NEWS")
            )
            .await
            .unwrap(),
        GroupMove::Unchanged
    );
    assert_eq!(
        store.contact(a, contact).await.unwrap().groups,
        vec![code("VIP")]
    );
    assert!(store.active_opt_in(a, &n).await.unwrap().is_some());
    assert_eq!(store.group(a, news.id).await.unwrap().member_count, 0);

    // R14: deleting the contact leaves the opt-in and the whole ledger.
    store.delete_contact(a, contact).await.unwrap();
    assert!(store.active_opt_in(a, &n).await.unwrap().is_some());
    let events: Vec<(ConsentEvent, Option<String>)> = store
        .consent_ledger(a, &n)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.event, e.group.map(|g| g.to_string())))
        .collect();
    assert_eq!(
        events,
        vec![
            (ConsentEvent::OptIn, None),
            (ConsentEvent::GroupJoined, Some("NEWS".into())),
            (ConsentEvent::GroupJoined, Some("VIP".into())),
            (ConsentEvent::GroupLeft, Some("NEWS".into())),
        ]
    );
    // R10 after R14: a join makes the contact again.
    let again = store
        .join_group(
            a,
            &n,
            ChannelKind::Whatsapp,
            &code("news"),
            keyword("7", "START NEWS"),
        )
        .await
        .unwrap();
    let GroupMove::Changed(new_contact) = again else {
        panic!("expected a join: {again:?}");
    };
    assert_ne!(new_contact, contact);
}

/// R9, R10, R12 for many numbers at once: answers in the order asked; a member joining or
/// a non-member leaving is unchanged; only changes are in the ledger; a number asked for
/// twice, or an unknown group, writes nothing.
pub async fn group_moves_are_made_many_at_once(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let news = group(&*store, a, "news").await;
    let by_sms = store
        .create_contact(a, draft(Some(whatsapp(2)), None))
        .await
        .unwrap();
    let start = |i: u32| (whatsapp(i), keyword(&format!("j{i}"), "START NEWS"));
    store
        .join_group(
            a,
            &whatsapp(1),
            ChannelKind::Whatsapp,
            &code("news"),
            start(1).1,
        )
        .await
        .unwrap();
    let joined = store
        .join_groups(
            a,
            ChannelKind::Whatsapp,
            &code("news"),
            &[start(1), start(2), start(3)],
        )
        .await
        .unwrap();
    assert_eq!(joined[0], GroupMove::Unchanged, "already a member");
    assert_eq!(
        joined[1],
        GroupMove::Changed(by_sms.id),
        "the SMS contact gains its WhatsApp number"
    );
    let GroupMove::Changed(new_contact) = joined[2] else {
        panic!("a new contact joins: {joined:?}");
    };
    assert_eq!(
        store.contact(a, new_contact).await.unwrap().whatsapp_number,
        Some(whatsapp(3))
    );
    assert_eq!(store.group(a, news.id).await.unwrap().member_count, 3);
    let ledger = store.consent_ledger(a, &whatsapp(2)).await.unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].event, ConsentEvent::GroupJoined);
    assert_eq!(ledger[0].reference.as_deref(), Some("j2"));
    assert_eq!(ledger[0].group, Some(code("NEWS")));
    assert_eq!(
        store.consent_ledger(a, &whatsapp(1)).await.unwrap().len(),
        1,
        "the unchanged join has no second entry"
    );

    for bad in [
        store
            .join_groups(
                a,
                ChannelKind::Whatsapp,
                &code("news"),
                &[start(4), start(4)],
            )
            .await,
        store
            .join_groups(a, ChannelKind::Whatsapp, &code("nope"), &[start(4)])
            .await,
    ] {
        assert!(
            matches!(
                bad,
                Err(crate::StoreError::Conflict { what: "number", .. })
                    | Err(crate::StoreError::Unknown { what: "group", .. })
            ),
            "{bad:?}"
        );
    }
    assert!(
        store
            .consent_ledger(a, &whatsapp(4))
            .await
            .unwrap()
            .is_empty()
    );

    let stop = |i: u32| (whatsapp(i), keyword(&format!("l{i}"), "STOP NEWS"));
    let left = store
        .leave_groups(
            a,
            ChannelKind::Whatsapp,
            &code("news"),
            &[stop(3), stop(4), stop(1)],
        )
        .await
        .unwrap();
    assert_eq!(
        left[..2],
        [GroupMove::Changed(new_contact), GroupMove::Unchanged],
        "a non-member leaving is unchanged"
    );
    assert!(matches!(left[2], GroupMove::Changed(_)), "{left:?}");
    assert_eq!(store.group(a, news.id).await.unwrap().member_count, 1);
    let events: Vec<ConsentEvent> = store
        .consent_ledger(a, &whatsapp(3))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(events, [ConsentEvent::GroupJoined, ConsentEvent::GroupLeft]);
    assert!(
        store
            .consent_ledger(a, &whatsapp(4))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .leave_groups(a, ChannelKind::Whatsapp, &code("news"), &[])
            .await
            .unwrap()
            .is_empty()
    );
}
