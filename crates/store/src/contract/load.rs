//! Imports under load: batches past SQLite's bound-variable limit, concurrent writers.

use std::sync::Arc;

use super::support::*;
use crate::{ImportRow, Store};

pub async fn import_handles_large_batches(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    // Past SQLite's 32,766 bound variables if sent as one multi-row INSERT.
    let n = 5_000;
    let rows: Vec<ImportRow> = (0..n)
        .map(|i| {
            full_row(
                u64::from(i) + 1,
                i,
                "Bulk",
                if i % 10 == 0 { &["tenth"] } else { &[] },
            )
        })
        .collect();
    assert_eq!(
        store.import_contacts(a, &rows).await.unwrap(),
        counts(u64::from(n), 0, 0)
    );
    let mut changed = rows.clone();
    for row in changed.iter_mut().step_by(2) {
        row.first_name = Some("Changed".into());
    }
    let outcome = store.import_contacts(a, &changed).await.unwrap();
    assert_eq!(outcome, counts(0, u64::from(n / 2), u64::from(n / 2)));

    let all = all_contacts(&*store, a, page_query(1_000)).await;
    assert_eq!(all.len(), n as usize);
    assert_eq!(
        all.iter()
            .filter(|c| c.first_name.as_deref() == Some("Changed"))
            .count(),
        (n / 2) as usize
    );
    assert_eq!(all[4_999].sms_number, Some(sms(4_999)));
    assert_eq!(
        store
            .group_by_code(a, &code("tenth"))
            .await
            .unwrap()
            .member_count,
        i64::from(n / 10)
    );
}

pub async fn concurrent_writers_all_succeed(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let news = group(&*store, a, "news").await;
    let mut tasks = Vec::new();
    for t in 0..8u32 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let base = t * 1_000;
            let rows: Vec<ImportRow> = (0..100)
                .map(|i| ImportRow {
                    groups: codes(&["shared"]),
                    ..row(u64::from(i), Some(sms(base + i)), None)
                })
                .collect();
            let outcome = store.import_contacts(a, &rows).await.unwrap();
            assert_eq!(outcome.created, 100);
            for i in 0..5 {
                let c = store
                    .create_contact(a, draft(None, Some(whatsapp(base + i))))
                    .await
                    .unwrap();
                let change = store.add_members(a, news.id, &[c.id]).await.unwrap();
                assert_eq!(change.changed, 1);
            }
        }));
    }
    for task in tasks {
        task.await.expect("writer task");
    }
    assert_eq!(all_contacts(&*store, a, page_query(500)).await.len(), 840);
    assert_eq!(
        store
            .group_by_code(a, &code("shared"))
            .await
            .unwrap()
            .member_count,
        800
    );
    assert_eq!(store.group(a, news.id).await.unwrap().member_count, 40);
}
