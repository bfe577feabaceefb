//! The contract test suite: every back end runs these against a fresh database.
//!
//! A back end's `tests/contract.rs` calls [`contract_tests!`](crate::contract_tests) with an
//! async expression that yields a fresh, migrated `Arc<dyn Store>`.
