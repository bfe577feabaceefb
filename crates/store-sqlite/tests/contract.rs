//! The store contract suite on SQLite: a fresh database file in a temporary directory per
//! test, removed when the test's store is dropped.

use std::sync::Arc;

use bote_store::{AccountStore, ContactDraft, ContactQuery, ContactSearch, NewAccount, Store};
use bote_store_sqlite::SqliteStore;
use tempfile::TempDir;

async fn fresh() -> Arc<dyn Store> {
    Arc::new(SqliteStore::temporary().await.expect("a temporary store"))
}

bote_store::contract_tests!(fresh());

/// Beyond the contract: SQLite's own LIKE folds ASCII only; search folds all of Unicode.
#[tokio::test]
async fn text_search_folds_case_beyond_ascii() {
    let store = fresh().await;
    let a = store
        .create_account(NewAccount {
            name: "A".into(),
            kind: bote_domain::AccountKind::Business,
            trial_ends_at: None,
            verified_number: None,
            time_zone: None,
        })
        .await
        .unwrap();
    let draft = ContactDraft {
        last_name: Some("Öztürk".into()),
        sms_number: Some(bote_domain::PhoneNumber::from_e164_unchecked(
            "+436761234567",
        )),
        ..ContactDraft::default()
    };
    let c = store.create_contact(a.id, draft).await.unwrap();
    for text in ["ÖZTÜRK", "öztürk", "zTü", "Ö"] {
        let query = ContactQuery {
            search: Some(ContactSearch::Text(text.into())),
            limit: 10,
            ..ContactQuery::default()
        };
        let page = store.list_contacts(a.id, query).await.unwrap();
        assert_eq!(
            page.items.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![c.id],
            "{text}"
        );
    }
}

#[tokio::test]
async fn connect_accepts_plain_paths_and_creates_the_file() {
    let dir = TempDir::new().unwrap();
    for (i, form) in ["sqlite://", "sqlite:", ""].into_iter().enumerate() {
        let path = dir.path().join(format!("db{i}.sqlite"));
        let store = SqliteStore::connect(&format!("{form}{}", path.display()))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        store.ping().await.unwrap();
        assert!(path.exists(), "{form}");
    }
    let memory = SqliteStore::connect("sqlite::memory:").await.unwrap();
    memory.migrate().await.unwrap();
    assert!(memory.list_accounts().await.unwrap().is_empty());
}
