//! Consent: opt-ins with the cap and R9's contact, revocation, the append-only ledger,
//! keyword settings, and R6 in acceptance. Group keywords are in `consent_groups`.

use std::collections::BTreeMap;
use std::sync::Arc;

use bote_domain::ChannelKind;

use super::support::{account, code, draft, group, sms, whatsapp};
use crate::{
    ConsentEvent, ConsentSource, ContactQuery, ContactSearch, KeywordSettings, NewSend,
    OptInResult, Recipients, SkipReason, SourceKind, Store,
};

pub(super) fn keyword(reference: &str, text: &str) -> ConsentSource {
    ConsentSource {
        kind: SourceKind::Keyword,
        reference: Some(reference.into()),
        text: Some(text.into()),
        business_number: Some("+43800100100".into()),
    }
}

fn inbound(reference: &str, text: &str) -> ConsentSource {
    ConsentSource {
        kind: SourceKind::Inbound,
        ..keyword(reference, text)
    }
}

fn by_api() -> ConsentSource {
    ConsentSource {
        kind: SourceKind::Api,
        reference: Some("token 1".into()),
        text: None,
        business_number: None,
    }
}

/// R7, R9, R11, R13: an opt-in is given once, listed newest first, creates or extends a
/// contact, and leaves the list when revoked; the ledger keeps everything in order.
pub async fn opt_ins_are_given_listed_and_revoked(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    // R9: an existing contact with this SMS number gains it as WhatsApp number.
    let anna = store
        .create_contact(a, draft(Some(sms(1)), None))
        .await
        .unwrap();
    let anna_wa = sms(1);
    let given = store
        .give_opt_in(a, &anna_wa, inbound("11", "Hallo"), None)
        .await
        .unwrap();
    let OptInResult::Given { opt_in, contact } = given else {
        panic!("expected a new opt-in: {given:?}");
    };
    assert_eq!(contact, anna.id);
    assert_eq!(opt_in.source, SourceKind::Inbound);
    assert_eq!(opt_in.business_number.as_deref(), Some("+43800100100"));
    let anna = store.contact(a, anna.id).await.unwrap();
    assert_eq!(anna.whatsapp_number, Some(sms(1)));

    // R9: a new number gets a new contact with it as WhatsApp number.
    let given = store
        .give_opt_in(a, &whatsapp(2), keyword("12", "START"), None)
        .await
        .unwrap();
    let OptInResult::Given { contact: bert, .. } = given else {
        panic!("expected a new opt-in: {given:?}");
    };
    let bert = store.contact(a, bert).await.unwrap();
    assert_eq!(bert.whatsapp_number, Some(whatsapp(2)));
    assert_eq!(bert.sms_number, None);
    // Giving it again changes nothing.
    assert!(matches!(
        store
            .give_opt_in(a, &whatsapp(2), keyword("13", "START"), None)
            .await
            .unwrap(),
        OptInResult::AlreadyActive(_)
    ));

    let page = store.list_opt_ins(a, None, 1).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].number, whatsapp(2), "newest first");
    let rest = store.list_opt_ins(a, page.next_after, 10).await.unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].number, sms(1));
    assert_eq!(rest.next_after, None);
    assert_eq!(store.active_opt_in_count(a).await.unwrap(), 2);
    assert_eq!(store.active_opt_in_count(b).await.unwrap(), 0);
    assert!(
        store
            .list_opt_ins(b, None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        store
            .active_opt_in(b, &whatsapp(2))
            .await
            .unwrap()
            .is_none()
    );

    // R11 / R13: revoked, it leaves the list; revoking again finds nothing.
    assert!(
        store
            .revoke_opt_in(a, &whatsapp(2), keyword("14", "stop!"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_opt_in(a, &whatsapp(2), by_api())
            .await
            .unwrap()
    );
    assert!(!store.revoke_opt_in(b, &sms(1), by_api()).await.unwrap());
    assert!(
        store
            .active_opt_in(a, &whatsapp(2))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.active_opt_in_count(a).await.unwrap(), 1);
    // A new opt-in is a new row.
    store
        .give_opt_in(a, &whatsapp(2), inbound("15", "Hallo wieder"), None)
        .await
        .unwrap();

    let ledger = store.consent_ledger(a, &whatsapp(2)).await.unwrap();
    let events: Vec<(ConsentEvent, SourceKind, Option<&str>, Option<&str>)> = ledger
        .iter()
        .map(|e| (e.event, e.source, e.reference.as_deref(), e.text.as_deref()))
        .collect();
    assert_eq!(
        events,
        vec![
            (
                ConsentEvent::OptIn,
                SourceKind::Keyword,
                Some("12"),
                Some("START")
            ),
            (
                ConsentEvent::Revoked,
                SourceKind::Keyword,
                Some("14"),
                Some("stop!")
            ),
            (
                ConsentEvent::OptIn,
                SourceKind::Inbound,
                Some("15"),
                Some("Hallo wieder")
            ),
        ]
    );
    assert!(
        store
            .consent_ledger(b, &whatsapp(2))
            .await
            .unwrap()
            .is_empty()
    );
}

/// R2: beyond the cap an opt-in is refused, recorded in the ledger, never dropped silently.
pub async fn opt_ins_beyond_the_cap_are_refused_and_recorded(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    for i in 0..2 {
        let r = store
            .give_opt_in(a, &whatsapp(i), inbound(&i.to_string(), "Hi"), Some(2))
            .await
            .unwrap();
        assert!(matches!(r, OptInResult::Given { .. }), "{r:?}");
    }
    let refused = store
        .give_opt_in(a, &whatsapp(9), inbound("9", "Hi"), Some(2))
        .await
        .unwrap();
    assert_eq!(refused, OptInResult::Refused { cap: 2, active: 2 });
    assert!(
        store
            .active_opt_in(a, &whatsapp(9))
            .await
            .unwrap()
            .is_none()
    );
    let ledger = store.consent_ledger(a, &whatsapp(9)).await.unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].event, ConsentEvent::Refused);
    assert_eq!(ledger[0].text.as_deref(), Some("Hi"));
    // No contact was made for a refused number.
    let found = store
        .list_contacts(
            a,
            ContactQuery {
                search: Some(ContactSearch::Number(whatsapp(9))),
                limit: 10,
                ..ContactQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(found.items.is_empty());
    // A number that is already opted in is not refused by a full cap.
    assert!(matches!(
        store
            .give_opt_in(a, &whatsapp(1), inbound("10", "Hi"), Some(2))
            .await
            .unwrap(),
        OptInResult::AlreadyActive(_)
    ));
    // Room again after a revocation.
    store
        .revoke_opt_in(a, &whatsapp(0), by_api())
        .await
        .unwrap();
    assert!(matches!(
        store
            .give_opt_in(a, &whatsapp(9), inbound("11", "Hi"), Some(2))
            .await
            .unwrap(),
        OptInResult::Given { .. }
    ));
}

/// R2, R7, R9 for many numbers at once: answers in the order asked; an active opt-in
/// stays; the cap gives in that order and refuses the rest with ledger entries; each
/// given number has its contact (an existing WhatsApp contact, an SMS contact gaining the
/// number, or a new one).
pub async fn opt_ins_are_given_many_at_once(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let known = store
        .create_contact(a, draft(None, Some(whatsapp(1))))
        .await
        .unwrap();
    let by_sms = store
        .create_contact(a, draft(Some(whatsapp(2)), None))
        .await
        .unwrap();
    store
        .give_opt_in(a, &whatsapp(3), inbound("0", "Hi"), None)
        .await
        .unwrap();
    let wanted: Vec<_> = (1..=6)
        .map(|i| (whatsapp(i), inbound(&i.to_string(), &format!("Hi {i}"))))
        .collect();
    let answers = store.give_opt_ins(a, &wanted, Some(4)).await.unwrap();
    assert_eq!(answers.len(), 6);
    let contact_of = |r: &OptInResult| match r {
        OptInResult::Given { opt_in, contact } => (opt_in.number.clone(), *contact),
        other => panic!("expected Given, got {other:?}"),
    };
    assert_eq!(contact_of(&answers[0]), (whatsapp(1), known.id));
    assert_eq!(contact_of(&answers[1]), (whatsapp(2), by_sms.id));
    assert!(matches!(&answers[2], OptInResult::AlreadyActive(o) if o.number == whatsapp(3)));
    let (number, new_contact) = contact_of(&answers[3]);
    assert_eq!(number, whatsapp(4));
    assert_eq!(
        store.contact(a, new_contact).await.unwrap().whatsapp_number,
        Some(whatsapp(4))
    );
    for refused in &answers[4..] {
        assert_eq!(refused, &OptInResult::Refused { cap: 4, active: 4 });
    }
    assert_eq!(store.active_opt_in_count(a).await.unwrap(), 4);
    let ledger = store.consent_ledger(a, &whatsapp(5)).await.unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].event, ConsentEvent::Refused);
    assert_eq!(ledger[0].text.as_deref(), Some("Hi 5"));
    let ledger = store.consent_ledger(a, &whatsapp(2)).await.unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].event, ConsentEvent::OptIn);
    assert_eq!(ledger[0].reference.as_deref(), Some("2"));
    assert_eq!(ledger[0].business_number.as_deref(), Some("+43800100100"));
    // Asked again: every one is active or still refused; nothing changed.
    let again = store.give_opt_ins(a, &wanted, Some(4)).await.unwrap();
    assert!(
        again[..4]
            .iter()
            .all(|r| matches!(r, OptInResult::AlreadyActive(_)))
    );
    assert_eq!(store.active_opt_in_count(a).await.unwrap(), 4);
    // A number asked for twice is refused as a whole, and nothing is written.
    let twice = vec![wanted[4].clone(), wanted[4].clone()];
    assert!(matches!(
        store.give_opt_ins(a, &twice, None).await,
        Err(crate::StoreError::Conflict { what: "number", .. })
    ));
    assert!(store.give_opt_ins(a, &[], None).await.unwrap().is_empty());

    // Each answer is the opt-in as stored, with the contact that has its number.
    let more: Vec<_> = (7..=9)
        .map(|i| (whatsapp(i), inbound(&i.to_string(), &format!("Hi {i}"))))
        .collect();
    for answer in store.give_opt_ins(a, &more, None).await.unwrap() {
        let OptInResult::Given { opt_in, contact } = answer else {
            panic!("expected Given, got {answer:?}");
        };
        assert_eq!(
            store
                .active_opt_in(a, &opt_in.number)
                .await
                .unwrap()
                .as_ref(),
            Some(&opt_in)
        );
        assert_eq!(
            store.contact(a, contact).await.unwrap().whatsapp_number,
            Some(opt_in.number.clone())
        );
    }

    // Revoked many at once: in the order asked; one without an opt-in, and one asked
    // twice, answer false; only the ended ones are in the ledger.
    let stop = |i: u32| (whatsapp(i), keyword(&format!("s{i}"), "STOP"));
    let revoked = store
        .revoke_opt_ins(a, &[stop(1), stop(5), stop(1), stop(2)])
        .await
        .unwrap();
    assert_eq!(revoked, [true, false, false, true]);
    assert_eq!(store.active_opt_in_count(a).await.unwrap(), 5);
    let events: Vec<ConsentEvent> = store
        .consent_ledger(a, &whatsapp(1))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(events, [ConsentEvent::OptIn, ConsentEvent::Revoked]);
    let refused_only = store.consent_ledger(a, &whatsapp(5)).await.unwrap();
    assert!(
        refused_only
            .iter()
            .all(|e| e.event == ConsentEvent::Refused)
    );
    assert!(store.revoke_opt_ins(a, &[]).await.unwrap().is_empty());
}

/// Keyword settings default to bote's texts and are replaced per account.
pub async fn keyword_settings_default_and_are_kept_per_account(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    let defaults = store.keyword_settings(a).await.unwrap();
    assert_eq!(defaults, KeywordSettings::default());
    assert!(!defaults.sms_keywords);
    assert!(defaults.replies.stopped.is_some());
    let mut mine = KeywordSettings {
        start_words: vec!["JA".into()],
        stop_words: vec!["ENDE".into()],
        sms_keywords: true,
        ..KeywordSettings::default()
    };
    mine.replies.opted_in = None;
    store.set_keyword_settings(a, &mine).await.unwrap();
    assert_eq!(store.keyword_settings(a).await.unwrap(), mine);
    mine.stop_words.push("HALT".into());
    store.set_keyword_settings(a, &mine).await.unwrap();
    assert_eq!(store.keyword_settings(a).await.unwrap(), mine);
    assert_eq!(
        store.keyword_settings(b).await.unwrap(),
        KeywordSettings::default()
    );
}

/// R6, R17: a WhatsApp send skips every recipient without an active opt-in — explicit
/// numbers and contacts through groups — with `no_opt_in`; previews count the same; SMS
/// and replies to the recipient's own message are not affected.
pub async fn whatsapp_sends_skip_numbers_without_an_opt_in(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    group(&*store, a, "news").await;
    let with_group = |w: Option<u32>, s: u32| {
        let mut d = draft(Some(sms(s)), w.map(whatsapp));
        d.groups = Some(vec![code("news")]);
        d
    };
    let anna = with_group(Some(1), 1);
    let bert = with_group(Some(2), 2);
    let cleo = with_group(None, 3);
    for d in [anna, bert, cleo] {
        store.create_contact(a, d).await.unwrap();
    }
    for n in [whatsapp(1), whatsapp(5)] {
        store
            .give_opt_in(a, &n, inbound("1", "Hi"), None)
            .await
            .unwrap();
    }
    // B's opt-in for Bert's number does not count for A.
    store
        .give_opt_in(b, &whatsapp(2), inbound("2", "Hi"), None)
        .await
        .unwrap();
    let send = NewSend {
        account: a,
        channel: ChannelKind::Whatsapp,
        source: "api".into(),
        content: serde_json::json!({"text": "Hi"}),
        schedule_at: None,
        client_message_id: None,
        callback_url: None,
        test: false,
        spacing: None,
    };
    let recipients = Recipients {
        numbers: vec![whatsapp(5), whatsapp(6)],
        groups: vec![code("news")],
        ..Recipients::default()
    };
    let preview = store
        .preview_send(send.clone(), recipients.clone())
        .await
        .unwrap();
    let accepted = store.accept_send(send.clone(), recipients).await.unwrap();
    for acceptance in [&preview.acceptance, &accepted] {
        assert_eq!(acceptance.accepted, 2, "Anna and +…5: {acceptance:?}");
        assert_eq!(
            acceptance.skipped_by_reason,
            BTreeMap::from([(SkipReason::NoOptIn, 2), (SkipReason::NoNumber, 1)])
        );
        let mut no_opt_in: Vec<&str> = acceptance
            .skipped
            .iter()
            .filter(|s| s.reason == SkipReason::NoOptIn)
            .map(|s| s.recipient.as_str())
            .collect();
        no_opt_in.sort();
        assert_eq!(no_opt_in, vec![whatsapp(2).as_str(), whatsapp(6).as_str()]);
    }
    // A reply to the recipient's own message needs no opt-in (a STOP confirmation).
    let reply = store
        .accept_send(
            NewSend {
                source: "keyword".into(),
                ..send.clone()
            },
            Recipients {
                numbers: vec![whatsapp(6)],
                replying: true,
                ..Recipients::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(reply.accepted, 1);
    // SMS never needs an opt-in.
    let sms_send = store
        .accept_send(
            NewSend {
                channel: ChannelKind::Sms,
                ..send
            },
            Recipients {
                numbers: vec![sms(9)],
                groups: vec![code("news")],
                ..Recipients::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(sms_send.accepted, 4);
}
