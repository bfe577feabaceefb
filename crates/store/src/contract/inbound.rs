//! Business numbers and inbound messages: routing by number, idempotency, isolation.

use std::sync::Arc;

use bote_domain::ChannelKind;
use chrono::Utc;

use super::support::{account, assert_conflict, assert_not_found};
use crate::{InboundQuery, NewInbound, Store};

fn inbound(to: &str, from: &str, text: &str, provider_id: Option<&str>) -> NewInbound {
    NewInbound {
        channel: ChannelKind::Whatsapp,
        connection: "sandbox-whatsapp".into(),
        from: from.into(),
        to: to.into(),
        kind: "text".into(),
        text: Some(text.into()),
        provider_id: provider_id.map(str::to_owned),
        received_at: Utc::now(),
    }
}

fn query(limit: u32) -> InboundQuery {
    InboundQuery {
        limit,
        ..InboundQuery::default()
    }
}

pub async fn business_numbers_belong_to_one_account(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    let wa = store
        .add_business_number(a, ChannelKind::Whatsapp, "+43800100100", Some("1096"))
        .await
        .unwrap();
    assert_eq!(wa.account, a);
    assert_eq!(wa.channel, ChannelKind::Whatsapp);
    assert_eq!(wa.provider_ref.as_deref(), Some("1096"));
    assert_conflict(
        store
            .add_business_number(b, ChannelKind::Whatsapp, "+43800100100", None)
            .await,
        "business number",
        "+43800100100",
    );
    // The same number may be an SMS number too, of another account.
    store
        .add_business_number(b, ChannelKind::Sms, "+43800100100", None)
        .await
        .unwrap();
    store
        .add_business_number(a, ChannelKind::Sms, "0828", None)
        .await
        .unwrap();
    let of_a = store.business_numbers(Some(a)).await.unwrap();
    assert_eq!(of_a.len(), 2);
    assert_eq!(store.business_numbers(None).await.unwrap().len(), 3);
    assert_not_found(store.remove_business_number(b, wa.id).await);
    store.remove_business_number(a, wa.id).await.unwrap();
    assert_eq!(store.business_numbers(Some(a)).await.unwrap().len(), 1);
}

pub async fn inbound_messages_are_routed_by_number_and_kept_once(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    store
        .add_business_number(a, ChannelKind::Whatsapp, "+43800100100", None)
        .await
        .unwrap();
    store
        .add_business_number(b, ChannelKind::Whatsapp, "+43800200200", None)
        .await
        .unwrap();

    let (first, new) = store
        .record_inbound(inbound(
            "+43800100100",
            "+436761000001",
            "START NEWS",
            Some("wamid.1"),
        ))
        .await
        .unwrap();
    assert!(new);
    assert_eq!(first.account, Some(a));
    assert_eq!(first.text.as_deref(), Some("START NEWS"));
    // The provider delivers the same message again: one row, the first returned.
    let (again, new) = store
        .record_inbound(inbound(
            "+43800100100",
            "+436761000001",
            "changed",
            Some("wamid.1"),
        ))
        .await
        .unwrap();
    assert!(!new);
    assert_eq!(again, first);
    // Messages without a provider id are each new.
    for _ in 0..2 {
        let (_, new) = store
            .record_inbound(inbound("+43800100100", "+436761000002", "Hallo", None))
            .await
            .unwrap();
        assert!(new);
    }
    let (to_b, _) = store
        .record_inbound(inbound(
            "+43800200200",
            "+436761000001",
            "STOP",
            Some("wamid.2"),
        ))
        .await
        .unwrap();
    assert_eq!(to_b.account, Some(b));
    // A message to a number nobody owns is kept, routed nowhere.
    let (stray, new) = store
        .record_inbound(inbound(
            "+43800999999",
            "+436761000001",
            "?",
            Some("wamid.3"),
        ))
        .await
        .unwrap();
    assert!(new);
    assert_eq!(stray.account, None);

    let page = store.list_inbound(a, query(10)).await.unwrap();
    let texts: Vec<_> = page.items.iter().map(|m| m.text.clone().unwrap()).collect();
    assert_eq!(
        texts,
        ["Hallo", "Hallo", "START NEWS"],
        "newest first, A's only"
    );
    let page = store.list_inbound(a, query(2)).await.unwrap();
    assert_eq!(page.items.len(), 2);
    let rest = store
        .list_inbound(
            a,
            InboundQuery {
                before: page.next_after,
                ..query(10)
            },
        )
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].id, first.id);
    let from_one = store
        .list_inbound(
            a,
            InboundQuery {
                from: Some("+436761000001".into()),
                channel: Some(ChannelKind::Whatsapp),
                ..query(10)
            },
        )
        .await
        .unwrap();
    assert_eq!(from_one.items.len(), 1);
    let sms_only = store
        .list_inbound(
            a,
            InboundQuery {
                channel: Some(ChannelKind::Sms),
                ..query(10)
            },
        )
        .await
        .unwrap();
    assert!(sms_only.items.is_empty());
    let of_b = store.list_inbound(b, query(10)).await.unwrap();
    assert_eq!(of_b.items.len(), 1);
    assert_eq!(of_b.items[0].text.as_deref(), Some("STOP"));
}
