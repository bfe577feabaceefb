//! Pages of sends and messages, and isolation between accounts.

use std::sync::Arc;

use bote_domain::{ContactId, MessageStatus};

use super::super::support::{assert_not_found, assert_unknown, codes, sms};
use super::*;
use crate::SendState;

pub async fn outbox_sends_and_messages_are_paged<S: Store + OutboxStore + ?Sized>(store: Arc<S>) {
    let a = account(&*store, "A").await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(send_to(&*store, a, i * 10, i * 10 + 7).await);
    }
    // Sends: newest first, `next_after` is the `before` of the next page.
    let mut listed = Vec::new();
    let mut before = None;
    loop {
        let page = store.list_sends(a, before, 2).await.unwrap();
        assert!(page.items.len() <= 2);
        listed.extend(page.items.iter().map(|s| s.id));
        match page.next_after {
            Some(next) => {
                assert_eq!(Some(next), page.items.last().map(|s| s.id.0));
                before = Some(SendId(next));
            }
            None => break,
        }
    }
    created.reverse();
    assert_eq!(listed, created);
    assert_eq!(store.list_sends(a, None, 0).await.unwrap().items.len(), 1);

    // Messages: by id, filtered by send, recipient and status.
    let send = created[0];
    let all = messages(&*store, a, send).await;
    assert_eq!(all.len(), 7);
    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let query = MessageQuery {
            send: Some(send),
            after,
            limit: 3,
            ..MessageQuery::default()
        };
        let page = store.list_messages(a, query).await.unwrap();
        walked.extend(page.items.iter().map(|m| m.id));
        match page.next_after {
            Some(next) => after = Some(MessageId(next)),
            None => break,
        }
    }
    assert_eq!(walked, all.iter().map(|m| m.id).collect::<Vec<_>>());
    let everything = MessageQuery {
        limit: 100,
        ..MessageQuery::default()
    };
    assert_eq!(
        store
            .list_messages(a, everything)
            .await
            .unwrap()
            .items
            .len(),
        35
    );
    let by_number = MessageQuery {
        recipient: Some(sms(41)),
        limit: 100,
        ..MessageQuery::default()
    };
    let found = store.list_messages(a, by_number).await.unwrap().items;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].recipient.as_deref(), Some(sms(41).as_str()));
    assert_eq!(found[0].send_id, send);

    let claimed = store
        .claim_messages(bote_domain::ChannelKind::Sms, later(1), later(60), 2)
        .await
        .unwrap();
    let sending = MessageQuery {
        status: Some(MessageStatus::Sending),
        limit: 100,
        ..MessageQuery::default()
    };
    let found = store.list_messages(a, sending).await.unwrap().items;
    assert_eq!(
        found.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids_of(&claimed)
    );
    let queued_of_send = MessageQuery {
        send: Some(send),
        status: Some(MessageStatus::Queued),
        limit: 100,
        ..MessageQuery::default()
    };
    assert_eq!(
        store
            .list_messages(a, queued_of_send)
            .await
            .unwrap()
            .items
            .len(),
        7
    );
}

pub async fn outbox_accounts_cannot_see_or_change_each_others_sends<
    S: Store + OutboxStore + ?Sized,
>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    new_group(&*store, a, "news").await;
    let contact = new_contact(&*store, a, Some(sms(1)), None, &["news"]).await;
    let theirs = send_to(&*store, a, 1, 4).await;
    let message = messages(&*store, a, theirs).await[0].id;

    assert_not_found(store.send_record(b, theirs).await);
    assert_not_found(store.message(b, message).await);
    assert!(
        store
            .list_sends(b, None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let their_messages = MessageQuery {
        send: Some(theirs),
        limit: 10,
        ..MessageQuery::default()
    };
    assert!(
        store
            .list_messages(b, their_messages.clone())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let by_number = MessageQuery {
        recipient: Some(sms(1)),
        limit: 10,
        ..MessageQuery::default()
    };
    assert!(
        store
            .list_messages(b, by_number)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    for state in [SendState::Paused, SendState::Cancelled, SendState::Active] {
        assert_not_found(store.set_send_state(b, theirs, state).await);
    }
    assert_eq!(
        store.send_record(a, theirs).await.unwrap().state,
        SendState::Active
    );
    assert_eq!(
        store
            .list_messages(a, their_messages)
            .await
            .unwrap()
            .items
            .len(),
        3
    );
    assert!(
        store
            .contacts_by_ids(b, &[contact, ContactId(contact.0 + 1)])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.contacts_by_ids(a, &[contact]).await.unwrap().len(), 1);
    let their_group = Recipients {
        groups: codes(&["news"]),
        ..Recipients::default()
    };
    assert_unknown(
        store.accept_send(sms_send(b), their_group).await,
        "group",
        "NEWS",
    );
    assert_eq!(store.unfinished_messages(Some(b)).await.unwrap(), 0);
    assert_eq!(store.unfinished_messages(Some(a)).await.unwrap(), 3);
    assert_eq!(store.unfinished_messages(None).await.unwrap(), 3);
    // B's explicit number is not linked to A's contact with it.
    let mine = send_to(&*store, b, 1, 2).await;
    let mine = messages(&*store, b, mine).await;
    assert_eq!(mine[0].contact_id, None);
    assert_eq!(store.unfinished_messages(None).await.unwrap(), 4);
}
