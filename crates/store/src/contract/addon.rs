//! The WhatsApp add-on (R1–R4) and inbound forwarding callbacks.

use std::sync::Arc;

use bote_domain::{AccountId, ChannelKind, Package, UserRole};
use chrono::{Duration, NaiveDate, SubsecRound, Utc};

use super::support::{account, assert_conflict, assert_not_found};
use crate::{Activation, AddonState, CallbackKind, CallbackSubject, NewInbound, NewUser, Store};

fn activation(account: AccountId, package: Package, reset: bool) -> Activation {
    Activation {
        account,
        package,
        activated_by: None,
        activated_at: Utc::now().trunc_subsecs(0),
        expected_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        reset_opt_ins: reset,
    }
}

/// R1, R3, R4: activated by an account manager, pending with its expected date until the
/// account has a WhatsApp business number, then active at once; deactivating removes it.
pub async fn whatsapp_addon_is_pending_until_a_number_makes_it_active(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    let manager = store
        .create_user(NewUser {
            account_id: None,
            username: "mgr".into(),
            role: UserRole::AccountManager,
            password_hash: "$argon2id$x".into(),
            email: None,
        })
        .await
        .unwrap();
    assert_eq!(store.whatsapp_addon(a).await.unwrap(), None);

    let mut wanted = activation(a, Package::Medium, false);
    wanted.activated_by = Some(manager.id);
    let done = store.activate_whatsapp(wanted.clone()).await.unwrap();
    assert!(done.changed && !done.opt_ins_must_reset);
    let addon = done.addon;
    assert_eq!(addon.account, a);
    assert_eq!(addon.package, Package::Medium);
    assert_eq!(addon.state, AddonState::Pending);
    assert_eq!(addon.activated_at, wanted.activated_at);
    assert_eq!(addon.activated_by, Some(manager.id));
    assert_eq!(addon.expected_on, wanted.expected_on);
    assert_eq!(addon.previous_package, None);
    assert_eq!(store.whatsapp_addon(a).await.unwrap(), Some(addon.clone()));
    // Other accounts are untouched.
    assert_eq!(store.whatsapp_addon(b).await.unwrap(), None);

    // An SMS number does not make WhatsApp active; a WhatsApp number does (R4).
    store
        .add_business_number(a, crate::NewBusinessNumber::plain(ChannelKind::Sms, "0828"))
        .await
        .unwrap();
    assert_eq!(
        store.whatsapp_addon(a).await.unwrap().unwrap().state,
        AddonState::Pending
    );
    // Another account's WhatsApp number does not count for A.
    store
        .add_business_number(
            b,
            crate::NewBusinessNumber::plain(ChannelKind::Whatsapp, "+43800100200"),
        )
        .await
        .unwrap();
    assert_eq!(
        store.whatsapp_addon(a).await.unwrap().unwrap().state,
        AddonState::Pending
    );
    let number = store
        .add_business_number(
            a,
            crate::NewBusinessNumber::plain(ChannelKind::Whatsapp, "+43800100100"),
        )
        .await
        .unwrap();
    assert_eq!(
        store.whatsapp_addon(a).await.unwrap().unwrap().state,
        AddonState::Active
    );

    // The same package again changes nothing.
    let again = store
        .activate_whatsapp(activation(a, Package::Medium, false))
        .await
        .unwrap();
    assert!(!again.changed);
    assert_eq!(again.addon.activated_by, Some(manager.id));

    let c = store
        .activate_whatsapp(activation(b, Package::Large, false))
        .await
        .unwrap();
    assert_eq!(c.addon.state, AddonState::Active, "B has a WhatsApp number");
    let all = store.whatsapp_addons().await.unwrap();
    assert_eq!(
        all.iter()
            .map(|x| (x.account, x.package))
            .collect::<Vec<_>>(),
        vec![(a, Package::Medium), (b, Package::Large)]
    );

    // Without its number the add-on is pending again.
    store.remove_business_number(a, number.id).await.unwrap();
    assert_eq!(
        store.whatsapp_addon(a).await.unwrap().unwrap().state,
        AddonState::Pending
    );

    store.deactivate_whatsapp(a).await.unwrap();
    assert_eq!(store.whatsapp_addon(a).await.unwrap(), None);
    assert_not_found(store.deactivate_whatsapp(a).await);
    assert_eq!(store.whatsapp_addons().await.unwrap().len(), 1);
    assert_not_found(
        store
            .activate_whatsapp(activation(AccountId(a.0 + 1000), Package::Small, false))
            .await,
    );
}

/// R3: small cannot be upgraded in place; moving up needs the explicit "recipients opt in
/// again" and is recorded. Other changes need nothing.
pub async fn small_is_not_upgraded_in_place(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    store
        .activate_whatsapp(activation(a, Package::Small, false))
        .await
        .unwrap();
    for to in [Package::Medium, Package::Large] {
        assert_conflict(
            store.activate_whatsapp(activation(a, to, false)).await,
            "whatsapp package",
            "small",
        );
    }
    let unchanged = store.whatsapp_addon(a).await.unwrap().unwrap();
    assert_eq!(unchanged.package, Package::Small);

    let before = Utc::now() - Duration::seconds(5);
    let moved = store
        .activate_whatsapp(activation(a, Package::Medium, true))
        .await
        .unwrap();
    assert!(moved.changed && moved.opt_ins_must_reset);
    assert_eq!(moved.addon.package, Package::Medium);
    assert_eq!(moved.addon.previous_package, Some(Package::Small));
    let reset_at = moved.addon.opt_ins_reset_at.expect("the reset is recorded");
    assert!(reset_at > before);

    // medium → large and back to small need no new opt-ins; the record stays.
    let up = store
        .activate_whatsapp(activation(a, Package::Large, false))
        .await
        .unwrap();
    assert!(up.changed && !up.opt_ins_must_reset);
    assert_eq!(up.addon.previous_package, Some(Package::Small));
    assert_eq!(up.addon.opt_ins_reset_at, Some(reset_at));
    let down = store
        .activate_whatsapp(activation(a, Package::Small, false))
        .await
        .unwrap();
    assert!(down.changed && !down.opt_ins_must_reset);
    assert_eq!(down.addon.package, Package::Small);
}

/// Inbound forwarding: a routed inbound message is enqueued once for the account's
/// inbound callback URL, and claimed with the message itself.
pub async fn inbound_messages_are_enqueued_for_forwarding_once(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    assert_eq!(store.inbound_callback_url(a).await.unwrap(), None);
    assert_not_found(store.inbound_callback_url(AccountId(b.0 + 1000)).await);
    assert_not_found(
        store
            .set_inbound_callback_url(AccountId(b.0 + 1000), Some("http://x/"))
            .await,
    );
    store
        .add_business_number(a, crate::NewBusinessNumber::plain(ChannelKind::Sms, "0828"))
        .await
        .unwrap();
    let message = |provider_id: &str| NewInbound {
        channel: ChannelKind::Sms,
        connection: "sandbox-sms".into(),
        from: "+436761000001".into(),
        to: "0828".into(),
        kind: "text".into(),
        text: Some("Antwort".into()),
        provider_id: Some(provider_id.into()),
        received_at: Utc::now(),
    };
    // No URL: nothing is enqueued.
    let (first, _) = store.record_inbound(message("p-1")).await.unwrap();
    assert!(
        store
            .enqueue_inbound_callbacks(a, &[first.id])
            .await
            .unwrap()
            == 0
    );

    store
        .set_inbound_callback_url(a, Some("http://127.0.0.1:9/in"))
        .await
        .unwrap();
    assert_eq!(
        store.inbound_callback_url(a).await.unwrap().as_deref(),
        Some("http://127.0.0.1:9/in")
    );
    assert_eq!(store.inbound_callback_url(b).await.unwrap(), None);
    let (second, _) = store.record_inbound(message("p-2")).await.unwrap();
    // Another account cannot enqueue A's message.
    store
        .set_inbound_callback_url(b, Some("http://127.0.0.1:9/b"))
        .await
        .unwrap();
    assert!(
        store
            .enqueue_inbound_callbacks(b, &[second.id])
            .await
            .unwrap()
            == 0
    );
    assert!(
        store
            .enqueue_inbound_callbacks(a, &[second.id])
            .await
            .unwrap()
            == 1
    );
    assert!(
        store
            .enqueue_inbound_callbacks(a, &[second.id])
            .await
            .unwrap()
            == 0,
        "once per message"
    );

    let t = Utc::now() + Duration::seconds(1);
    let due = store
        .claim_callbacks(t, t + Duration::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(due[0].account, a);
    assert_eq!(due[0].url, "http://127.0.0.1:9/in");
    assert_eq!(due[0].kind, CallbackKind::Inbound);
    assert_eq!(due[0].subject, CallbackSubject::Inbound(second.clone()));
    assert_eq!(due[0].message(), None);
    assert_eq!(due[0].attempts, 0);
    store
        .record_callbacks(&[(due[0].id, crate::CallbackOutcome::Delivered)])
        .await
        .unwrap();
    assert!(
        store
            .enqueue_inbound_callbacks(a, &[second.id])
            .await
            .unwrap()
            == 0,
        "a delivered forward is not enqueued again"
    );

    store.set_inbound_callback_url(a, None).await.unwrap();
    assert_eq!(store.inbound_callback_url(a).await.unwrap(), None);
    let (third, _) = store.record_inbound(message("p-3")).await.unwrap();
    assert!(
        store
            .enqueue_inbound_callbacks(a, &[third.id])
            .await
            .unwrap()
            == 0
    );

    // Many at once: each new one of the account, once.
    store
        .set_inbound_callback_url(a, Some("http://127.0.0.1:9/in"))
        .await
        .unwrap();
    let (fourth, _) = store.record_inbound(message("p-4")).await.unwrap();
    let ids = [second.id, third.id, fourth.id, third.id];
    assert_eq!(store.enqueue_inbound_callbacks(a, &ids).await.unwrap(), 2);
    assert_eq!(store.enqueue_inbound_callbacks(a, &ids).await.unwrap(), 0);
    assert_eq!(store.enqueue_inbound_callbacks(b, &ids).await.unwrap(), 0);
}
