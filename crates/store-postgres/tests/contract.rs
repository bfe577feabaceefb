//! The shared store contract, run against a fresh PostgreSQL database per test.
//!
//! Needs a server at `BOTE_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! whose user may create databases.

use std::sync::Arc;

use bote_store::Store;

async fn fresh() -> Arc<dyn Store> {
    let store = bote_store_postgres::testing::fresh_store()
        .await
        .expect("a fresh PostgreSQL test database");
    Arc::new(store) as Arc<dyn Store>
}

bote_store::contract_tests!(fresh());
