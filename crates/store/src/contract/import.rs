//! Contact imports: upserts by number, counts, rejections, rows of one batch.

use std::sync::Arc;

use super::support::*;
use crate::{ContactDraft, ImportOutcome, ImportRow, RejectedRow, Store};

pub async fn import_creates_contacts_and_groups(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let vip = group(&*store, a, "vip").await;
    let rows = vec![
        full_row(2, 1, "Anna", &["news", "vip"]),
        full_row(3, 2, "Bert", &["News"]),
        ImportRow {
            groups: codes(&["kids"]),
            ..row(4, None, Some(whatsapp(3)))
        },
        row(5, Some(sms(4)), None),
    ];
    let outcome = store.import_contacts(a, &rows).await.unwrap();
    assert_eq!(outcome, counts(4, 0, 0));

    let all = all_contacts(&*store, a, page_query(100)).await;
    assert_eq!(all.len(), 4);
    let anna = &all[0];
    assert_eq!(anna.first_name.as_deref(), Some("Anna"));
    assert_eq!(anna.last_name.as_deref(), Some("Last1"));
    assert_eq!(anna.sms_number, Some(sms(1)));
    assert_eq!(anna.whatsapp_number, Some(whatsapp(1)));
    assert_eq!(anna.fields, fields(&[("customer", "1")]));
    assert_eq!(anna.groups, codes(&["NEWS", "VIP"]));
    assert_eq!(all[1].groups, codes(&["NEWS"]));
    assert_eq!(all[2].whatsapp_number, Some(whatsapp(3)));
    assert_eq!(all[2].sms_number, None);
    assert_eq!(all[2].first_name, None);
    assert_eq!(all[2].groups, codes(&["KIDS"]));
    assert!(all[3].groups.is_empty());
    assert!(all[3].fields.is_empty());

    // Missing groups were created with the code as name; the existing one was reused.
    let news = store.group_by_code(a, &code("news")).await.unwrap();
    assert_eq!(news.name, "NEWS");
    assert_eq!(news.member_count, 2);
    assert_eq!(
        store
            .group_by_code(a, &code("kids"))
            .await
            .unwrap()
            .member_count,
        1
    );
    let vip_after = store.group(a, vip.id).await.unwrap();
    assert_eq!(
        (vip_after.name.as_str(), vip_after.member_count),
        (vip.name.as_str(), 1)
    );
    assert_eq!(store.list_groups(a, None, 10).await.unwrap().items.len(), 3);

    let empty = store.import_contacts(a, &[]).await.unwrap();
    assert_eq!(empty, ImportOutcome::default());
}

pub async fn import_updates_matched_contacts_and_counts_unchanged(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    group(&*store, a, "news").await;
    let full = contact(
        &*store,
        a,
        ContactDraft {
            first_name: Some("Anna".into()),
            last_name: Some("Berger".into()),
            sms_number: Some(sms(1)),
            whatsapp_number: Some(whatsapp(1)),
            fields: fields(&[("city", "Graz")]),
            groups: Some(codes(&["news"])),
        },
    )
    .await;
    let sparse = contact(&*store, a, draft(Some(sms(2)), None)).await;
    let grouped = contact(&*store, a, draft(Some(sms(3)), None)).await;

    let rows = vec![
        // Everything it says, the contact has already.
        ImportRow {
            first_name: Some("Anna".into()),
            fields: fields(&[("city", "Graz")]),
            groups: codes(&["news"]),
            ..row(1, Some(sms(1)), Some(whatsapp(1)))
        },
        // Gains a name, a WhatsApp number and a field.
        ImportRow {
            first_name: Some("Bert".into()),
            fields: fields(&[("plan", "gold")]),
            ..row(2, Some(sms(2)), Some(whatsapp(2)))
        },
        // Only joins a group.
        ImportRow {
            groups: codes(&["news"]),
            ..row(3, Some(sms(3)), None)
        },
        // Matched by its WhatsApp number alone; changes the name.
        ImportRow {
            first_name: Some("Annika".into()),
            ..row(4, None, Some(whatsapp(1)))
        },
    ];
    let outcome = store.import_contacts(a, &rows).await.unwrap();
    assert_eq!(outcome, counts(0, 3, 1));

    let anna = store.contact(a, full.id).await.unwrap();
    assert_eq!(anna.first_name.as_deref(), Some("Annika"));
    assert_eq!(anna.last_name.as_deref(), Some("Berger"));
    assert_eq!(anna.created_at, full.created_at);
    let bert = store.contact(a, sparse.id).await.unwrap();
    assert_eq!(bert.first_name.as_deref(), Some("Bert"));
    assert_eq!(bert.whatsapp_number, Some(whatsapp(2)));
    assert_eq!(bert.fields, fields(&[("plan", "gold")]));
    assert!(bert.updated_at >= sparse.updated_at);
    assert_eq!(
        store.contact(a, grouped.id).await.unwrap().groups,
        codes(&["NEWS"])
    );
    assert_eq!(
        all_contacts(&*store, a, page_query(10)).await.len(),
        3,
        "nothing was created"
    );
}

pub async fn reimporting_the_same_rows_changes_nothing(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let rows: Vec<ImportRow> = (0..50)
        .map(|i| {
            let groups: &[&str] = if i % 2 == 0 {
                &["even", "all"]
            } else {
                &["all"]
            };
            full_row(u64::from(i) + 2, i, &format!("First{i}"), groups)
        })
        .collect();
    assert_eq!(
        store.import_contacts(a, &rows).await.unwrap(),
        counts(50, 0, 0)
    );
    let before = all_contacts(&*store, a, page_query(100)).await;

    assert_eq!(
        store.import_contacts(a, &rows).await.unwrap(),
        counts(0, 0, 50)
    );
    assert_eq!(
        store.import_contacts(a, &rows[10..20]).await.unwrap(),
        counts(0, 0, 10)
    );
    let after = all_contacts(&*store, a, page_query(100)).await;
    assert_eq!(after, before, "not even updated_at moved");
    assert_eq!(
        store
            .group_by_code(a, &code("all"))
            .await
            .unwrap()
            .member_count,
        50
    );
    assert_eq!(
        store
            .group_by_code(a, &code("even"))
            .await
            .unwrap()
            .member_count,
        25
    );
}

pub async fn import_empty_cells_do_not_erase(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let c = contact(
        &*store,
        a,
        ContactDraft {
            first_name: Some("Anna".into()),
            last_name: Some("Berger".into()),
            sms_number: Some(sms(1)),
            whatsapp_number: Some(whatsapp(1)),
            fields: fields(&[("city", "Graz"), ("plan", "gold")]),
            groups: None,
        },
    )
    .await;
    let rows = vec![
        ImportRow {
            first_name: None,
            last_name: Some(String::new()),
            fields: fields(&[("city", ""), ("plan", "gold")]),
            ..row(7, Some(sms(1)), None)
        },
        row(8, None, Some(whatsapp(1))),
    ];
    assert_eq!(
        store.import_contacts(a, &rows).await.unwrap(),
        counts(0, 0, 2)
    );
    assert_eq!(store.contact(a, c.id).await.unwrap(), c);

    // Fields merge: a new key is added, the others are kept.
    let more = ImportRow {
        fields: fields(&[("team", "red"), ("city", "")]),
        ..row(9, Some(sms(1)), None)
    };
    assert_eq!(
        store.import_contacts(a, &[more]).await.unwrap(),
        counts(0, 1, 0)
    );
    let after = store.contact(a, c.id).await.unwrap();
    assert_eq!(
        after.fields,
        fields(&[("city", "Graz"), ("plan", "gold"), ("team", "red")])
    );
    assert_eq!(after.first_name.as_deref(), Some("Anna"));
    assert_eq!(after.last_name.as_deref(), Some("Berger"));
    assert_eq!(after.whatsapp_number, Some(whatsapp(1)));
}

pub async fn import_rejects_rows_that_join_two_contacts(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let one = contact(&*store, a, named("One", "X", sms(1))).await;
    let two = contact(&*store, a, draft(Some(sms(2)), Some(whatsapp(2)))).await;
    let rows = vec![
        row(2, Some(sms(5)), None),
        ImportRow {
            first_name: Some("Changed".into()),
            groups: codes(&["only-rejected"]),
            ..row(3, Some(sms(1)), Some(whatsapp(2)))
        },
        row(4, Some(sms(6)), None),
    ];
    let outcome = store.import_contacts(a, &rows).await.unwrap();
    assert_eq!(
        (outcome.created, outcome.updated, outcome.unchanged),
        (2, 0, 0)
    );
    let [
        RejectedRow {
            line,
            field,
            reason,
        },
    ] = outcome.rejected.as_slice()
    else {
        panic!("one rejected row expected: {:?}", outcome.rejected);
    };
    assert_eq!(*line, 3);
    assert_eq!(field, crate::BOTH_NUMBERS);
    assert!(
        reason.contains(sms(1).as_str()),
        "reason names the SMS number: {reason}"
    );
    assert!(
        reason.contains(whatsapp(2).as_str()),
        "reason names the WhatsApp number: {reason}"
    );

    assert_eq!(
        store.contact(a, one.id).await.unwrap(),
        one,
        "rejected rows change nothing"
    );
    assert_eq!(store.contact(a, two.id).await.unwrap(), two);
    assert_not_found(store.group_by_code(a, &code("only-rejected")).await);
    assert_eq!(all_contacts(&*store, a, page_query(10)).await.len(), 4);
}

pub async fn import_rejects_a_second_number_of_a_kind(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let c = contact(&*store, a, draft(Some(sms(1)), Some(whatsapp(1)))).await;
    let by_whatsapp = contact(&*store, a, draft(None, Some(whatsapp(2)))).await;
    let only_sms = contact(&*store, a, draft(Some(sms(3)), None)).await;
    let rows = vec![
        // Matched by SMS number, but the contact has another WhatsApp number.
        row(10, Some(sms(1)), Some(whatsapp(9))),
        // Matched by WhatsApp number and lacking an SMS number: gains it.
        row(11, Some(sms(2)), Some(whatsapp(2))),
        // Matched by SMS number and lacking a WhatsApp number: gains it.
        row(12, Some(sms(3)), Some(whatsapp(3))),
        // Matched by WhatsApp number, but the contact has another SMS number now.
        row(13, Some(sms(8)), Some(whatsapp(2))),
    ];
    let outcome = store.import_contacts(a, &rows).await.unwrap();
    assert_eq!(
        (outcome.created, outcome.updated, outcome.unchanged),
        (0, 2, 0)
    );
    let lines: Vec<u64> = outcome.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, vec![10, 13]);
    assert!(
        outcome.rejected[0].reason.contains(whatsapp(9).as_str()),
        "{:?}",
        outcome.rejected
    );
    assert!(
        outcome.rejected[1].reason.contains(sms(8).as_str()),
        "{:?}",
        outcome.rejected
    );

    assert_eq!(store.contact(a, c.id).await.unwrap(), c);
    assert_eq!(
        store.contact(a, by_whatsapp.id).await.unwrap().sms_number,
        Some(sms(2))
    );
    assert_eq!(
        store.contact(a, only_sms.id).await.unwrap().whatsapp_number,
        Some(whatsapp(3))
    );
    assert!(
        all_contacts(&*store, a, number_query(whatsapp(9)))
            .await
            .is_empty()
    );
}

pub async fn import_merges_rows_of_one_batch_that_share_a_number(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let rows = vec![
        ImportRow {
            first_name: Some("Anna".into()),
            groups: codes(&["a"]),
            ..row(1, Some(sms(1)), None)
        },
        ImportRow {
            last_name: Some("Berger".into()),
            groups: codes(&["b"]),
            ..row(2, Some(sms(1)), Some(whatsapp(1)))
        },
        // The same again: nothing new.
        row(3, None, Some(whatsapp(1))),
        row(4, None, Some(whatsapp(2))),
        // Joins the contact of line 1 and the contact of line 4: rejected.
        row(5, Some(sms(1)), Some(whatsapp(2))),
    ];
    let outcome = store.import_contacts(a, &rows).await.unwrap();
    assert_eq!(
        (outcome.created, outcome.updated, outcome.unchanged),
        (2, 1, 1)
    );
    assert_eq!(
        outcome.rejected.iter().map(|r| r.line).collect::<Vec<_>>(),
        vec![5]
    );

    let all = all_contacts(&*store, a, page_query(10)).await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].first_name.as_deref(), Some("Anna"));
    assert_eq!(all[0].last_name.as_deref(), Some("Berger"));
    assert_eq!(all[0].sms_number, Some(sms(1)));
    assert_eq!(all[0].whatsapp_number, Some(whatsapp(1)));
    assert_eq!(all[0].groups, codes(&["A", "B"]));
    assert_eq!(all[1].whatsapp_number, Some(whatsapp(2)));
    assert_eq!(all[1].sms_number, None);
    assert_eq!(
        store.import_contacts(a, &rows[..4]).await.unwrap(),
        counts(0, 0, 4)
    );
}

pub async fn import_matches_by_whatsapp_number_too(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let c = contact(
        &*store,
        a,
        ContactDraft {
            first_name: Some("Wa".into()),
            ..draft(None, Some(whatsapp(1)))
        },
    )
    .await;
    // A number is matched against numbers of its own kind only.
    let other_kind = contact(&*store, a, draft(None, Some(sms(5)))).await;
    let rows = vec![
        ImportRow {
            groups: codes(&["news"]),
            ..row(1, Some(sms(1)), Some(whatsapp(1)))
        },
        row(2, Some(sms(5)), None),
    ];
    assert_eq!(
        store.import_contacts(a, &rows).await.unwrap(),
        counts(1, 1, 0)
    );
    let after = store.contact(a, c.id).await.unwrap();
    assert_eq!(after.sms_number, Some(sms(1)));
    assert_eq!(after.first_name.as_deref(), Some("Wa"));
    assert_eq!(after.groups, codes(&["NEWS"]));
    assert_eq!(store.contact(a, other_kind.id).await.unwrap(), other_kind);
    let found = all_contacts(&*store, a, number_query(sms(5))).await;
    assert_eq!(found.len(), 2, "a new contact has sms(5) as its SMS number");
}
