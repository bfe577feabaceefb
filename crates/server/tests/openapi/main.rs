//! The OpenAPI document at `/api/v1/openapi.json` and the docs page at `/api/v1/docs`.
//!
//! The document is written by hand (`src/api/openapi.json`); these tests keep it true:
//! - it is structurally sound OpenAPI 3.1: every `$ref` resolves, every operation has
//!   responses and either a security requirement or is marked public, every example fits
//!   its schema;
//! - every documented operation exists in the live router (it refuses a request without
//!   credentials with 401, where an unknown route answers 404 and a wrong method 405);
//! - every `.route(…)` in `src/api/**.rs`, read from the source at test time, is documented
//!   with the same methods, and nothing else is;
//! - real responses of every kind of operation, and the errors, fit the documented schema
//!   for their status, and that status is documented.

#[path = "../support/mod.rs"]
mod support;

mod answers;
mod docs_page;
mod document;
mod routes;
mod schema;
mod settings_answers;
mod whatsapp_answers;
