//! The outbox contract suite on SQLite.

bote_store::outbox_contract_tests!(async {
    std::sync::Arc::new(
        bote_store_sqlite::SqliteStore::temporary()
            .await
            .expect("a temporary store"),
    )
});
