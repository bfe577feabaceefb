//! The opt-in widget (R8): a random public id per account, its look, and visitors' requests
//! in the consent ledger beside the opt-in that follows (R7).

use std::sync::Arc;

use bote_domain::AccountId;

use super::support::*;
use crate::{ConsentEvent, ConsentSource, SourceKind, Store, WidgetLook};

pub async fn widgets_have_random_public_ids_and_keep_their_look(store: Arc<dyn Store>) {
    let acme = account(store.as_ref(), "acme").await;
    let beta = account(store.as_ref(), "beta").await;

    let first = store.widget(acme).await.unwrap();
    assert_eq!(first.account, acme);
    assert_eq!(first.look, WidgetLook::default());
    assert_eq!(first.public_id.len(), 32, "{}", first.public_id);
    assert!(first.public_id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        store.widget(acme).await.unwrap(),
        first,
        "asked again: the same widget"
    );
    let other = store.widget(beta).await.unwrap();
    assert_ne!(other.public_id, first.public_id);

    let look = WidgetLook {
        language: "en".into(),
        title: Some("Stay in touch".into()),
        consent_text: Some("I agree to receive news on WhatsApp.".into()),
        primary_color: "#aa0033".into(),
        logo_url: Some("https://acme.example/logo.png".into()),
        ..WidgetLook::default()
    };
    let saved = store.set_widget_look(acme, &look).await.unwrap();
    assert_eq!(saved.look, look);
    assert_eq!(saved.public_id, first.public_id, "the URL stays");
    let found = store
        .widget_by_public_id(&first.public_id)
        .await
        .unwrap()
        .expect("found by public id");
    assert_eq!(found, saved);
    assert_eq!(
        store.widget(beta).await.unwrap().look,
        WidgetLook::default()
    );
    assert_eq!(store.widget_by_public_id("0000").await.unwrap(), None);

    // Saving before the widget was ever shown creates it with that look.
    let gamma = account(store.as_ref(), "gamma").await;
    let created = store.set_widget_look(gamma, &look).await.unwrap();
    assert_eq!(store.widget(gamma).await.unwrap(), created);

    assert_not_found(store.widget(AccountId(987_654)).await);
}

pub async fn widget_requests_are_recorded_in_the_ledger_before_the_opt_in(store: Arc<dyn Store>) {
    let acme = account(store.as_ref(), "acme").await;
    let number = whatsapp(7);
    let shown = "I agree to receive news from acme on WhatsApp.";
    store
        .record_widget_request(
            acme,
            &number,
            ConsentSource {
                kind: SourceKind::Widget,
                reference: Some("send 12".into()),
                text: Some(shown.into()),
                business_number: Some("+43800000001".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store.active_opt_in(acme, &number).await.unwrap(),
        None,
        "a widget request is no opt-in (R7, R8)"
    );
    store
        .give_opt_in(
            acme,
            &number,
            ConsentSource {
                kind: SourceKind::Inbound,
                reference: Some("1".into()),
                text: Some("Hallo".into()),
                business_number: Some("+43800000001".into()),
            },
            None,
        )
        .await
        .unwrap();
    let ledger = store.consent_ledger(acme, &number).await.unwrap();
    let events: Vec<_> = ledger.iter().map(|e| (e.event, e.source)).collect();
    assert_eq!(
        events,
        [
            (ConsentEvent::WidgetRequest, SourceKind::Widget),
            (ConsentEvent::OptIn, SourceKind::Inbound),
        ]
    );
    assert_eq!(ledger[0].text.as_deref(), Some(shown));
    assert_eq!(ledger[0].reference.as_deref(), Some("send 12"));
    assert_eq!(ledger[0].business_number.as_deref(), Some("+43800000001"));

    let beta = account(store.as_ref(), "beta").await;
    assert!(
        store
            .consent_ledger(beta, &number)
            .await
            .unwrap()
            .is_empty(),
        "the request belongs to acme only"
    );
}
