//! What bote's PostgreSQL connections bring along: no JIT, and fresh planner statistics
//! after a bulk change (`statistics.rs`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bote_domain::{AccountKind, PhoneNumber, Region};
use bote_store::{AccountStore, ContactStore, ImportRow, NewAccount};
use bote_store_postgres::testing::fresh_store;

#[tokio::test]
async fn connections_run_without_jit() {
    let store = fresh_store().await.unwrap();
    let jit: String = sqlx::query_scalar("SHOW jit")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(jit, "off");
}

#[tokio::test]
async fn a_bulk_import_leaves_the_contacts_analysed() {
    let store = fresh_store().await.unwrap();
    let account = store
        .create_account(NewAccount {
            name: "Bulk".into(),
            kind: AccountKind::Business,
            trial_ends_at: None,
            verified_number: None,
            time_zone: None,
        })
        .await
        .unwrap();
    let rows: Vec<ImportRow> = (0..10_000u64)
        .map(|i| ImportRow {
            line: i + 2,
            first_name: None,
            last_name: None,
            sms_number: None,
            whatsapp_number: Some(
                PhoneNumber::parse(&format!("+43676{i:07}"), Region::AUSTRIA).unwrap(),
            ),
            fields: BTreeMap::new(),
            groups: Vec::new(),
        })
        .collect();
    let analysed = || async {
        sqlx::query_scalar::<_, bool>(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'contacts'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap()
    };
    store
        .import_contacts(account.id, &rows[..9_999])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!analysed().await, "9,999 rows are not a bulk change");
    store
        .import_contacts(account.id, &rows[9_999..])
        .await
        .unwrap();
    let since = Instant::now();
    while !analysed().await {
        assert!(since.elapsed() < Duration::from_secs(15), "never analysed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
