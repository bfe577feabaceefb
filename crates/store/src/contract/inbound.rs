//! Business numbers and inbound messages: routing by number, idempotency, isolation.

use std::sync::Arc;

use bote_domain::ChannelKind;
use chrono::Utc;

use super::support::{account, assert_conflict, assert_not_found};
use crate::{
    CloudCredentials, InboundQuery, NewBusinessNumber, NewInbound, Secret, Store, StoreError,
};

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
        .add_business_number(
            a,
            NewBusinessNumber::plain(ChannelKind::Whatsapp, "+43800100100")
                .with_provider_ref("1096"),
        )
        .await
        .unwrap();
    assert_eq!(wa.account, a);
    assert_eq!(wa.channel, ChannelKind::Whatsapp);
    assert_eq!(wa.provider_ref.as_deref(), Some("1096"));
    assert!(!wa.cloud_api, "a plain number is a sandbox number");
    assert_eq!(wa.messages_per_second, 80);
    assert_conflict(
        store
            .add_business_number(
                b,
                NewBusinessNumber::plain(ChannelKind::Whatsapp, "+43800100100"),
            )
            .await,
        "business number",
        "+43800100100",
    );
    // The same number may be an SMS number too, of another account.
    store
        .add_business_number(
            b,
            NewBusinessNumber::plain(ChannelKind::Sms, "+43800100100"),
        )
        .await
        .unwrap();
    store
        .add_business_number(a, NewBusinessNumber::plain(ChannelKind::Sms, "0828"))
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
        .add_business_number(
            a,
            NewBusinessNumber::plain(ChannelKind::Whatsapp, "+43800100100"),
        )
        .await
        .unwrap();
    store
        .add_business_number(
            b,
            NewBusinessNumber::plain(ChannelKind::Whatsapp, "+43800200200"),
        )
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

fn credentials(tag: &str) -> CloudCredentials {
    CloudCredentials {
        access_token: Secret::new(format!("EAAG-{tag}")),
        app_secret: Secret::new(format!("app-secret-{tag}")),
        verify_token: Secret::new(format!("verify-{tag}")),
    }
}

fn cloud_number(number: &str, phone_number_id: &str, rate: u32) -> NewBusinessNumber {
    NewBusinessNumber {
        cloud: Some(credentials(phone_number_id)),
        messages_per_second: rate,
        ..NewBusinessNumber::plain(ChannelKind::Whatsapp, number).with_provider_ref(phone_number_id)
    }
}

/// Cloud API numbers keep their credentials for the webhook (found by phone number id, of
/// any account) and for dispatch (the account's WhatsApp numbers); plain numbers stay plain.
pub async fn cloud_numbers_keep_their_credentials(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    let plain = store
        .add_business_number(
            a,
            NewBusinessNumber::plain(ChannelKind::Whatsapp, "+43800100100"),
        )
        .await
        .unwrap();
    let cloud = store
        .add_business_number(a, cloud_number("+43800100200", "1096", 250))
        .await
        .unwrap();
    assert!(cloud.cloud_api);
    assert_eq!(cloud.messages_per_second, 250);
    assert_eq!(cloud.provider_ref.as_deref(), Some("1096"));
    store
        .add_business_number(a, NewBusinessNumber::plain(ChannelKind::Sms, "0828"))
        .await
        .unwrap();
    store
        .add_business_number(b, cloud_number("+43800300300", "2001", 80))
        .await
        .unwrap();

    let found = store
        .whatsapp_number_by_phone_number_id("1096")
        .await
        .unwrap()
        .expect("found by phone number id");
    assert_eq!(found.number, cloud);
    assert_eq!(found.cloud, Some(credentials("1096")));
    assert_eq!(
        store
            .whatsapp_number_by_phone_number_id("2001")
            .await
            .unwrap()
            .unwrap()
            .number
            .account,
        b
    );
    assert!(
        store
            .whatsapp_number_by_phone_number_id("9999")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !format!("{found:?}").contains("app-secret-1096"),
        "Debug shows a secret"
    );

    let of_a = store.whatsapp_numbers(a).await.unwrap();
    assert_eq!(of_a.len(), 2, "WhatsApp numbers only, of A only");
    assert_eq!(of_a[0].number, plain);
    assert_eq!(of_a[0].cloud, None);
    assert_eq!(of_a[1].number.id, cloud.id);
    assert!(of_a[1].cloud.is_some());
    let listed = store.business_numbers(Some(a)).await.unwrap();
    assert_eq!(listed.iter().filter(|n| n.cloud_api).count(), 1);

    // A phone number id belongs to one number.
    assert_conflict(
        store
            .add_business_number(b, cloud_number("+43800400400", "1096", 80))
            .await,
        "phone number id",
        "1096",
    );
    // Credentials without the phone number id they belong to are refused.
    let orphan = NewBusinessNumber {
        cloud: Some(credentials("x")),
        ..NewBusinessNumber::plain(ChannelKind::Whatsapp, "+43800500500")
    };
    assert!(matches!(
        store.add_business_number(b, orphan).await,
        Err(StoreError::Unknown {
            what: "phone number id",
            ..
        })
    ));
    // Removing the number ends its webhook.
    store.remove_business_number(a, cloud.id).await.unwrap();
    assert!(
        store
            .whatsapp_number_by_phone_number_id("1096")
            .await
            .unwrap()
            .is_none()
    );
}
