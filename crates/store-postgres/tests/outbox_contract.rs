//! The outbox contract, run against a fresh PostgreSQL database per test.
//!
//! Needs a server at `BOTE_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! whose user may create databases.

bote_store::outbox_contract_tests!(async {
    std::sync::Arc::new(bote_store_postgres::testing::fresh_store().await.unwrap())
});
