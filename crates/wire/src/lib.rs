//! What arrives from outside over HTTP, parsed into bote's types: websms request bodies
//! (`websms`), the WhatsApp Cloud API's webhook notifications (`whatsapp_webhook`) and CSV
//! contact files (`contacts_csv`), with the limits on contact input they share with the JSON
//! API (`contact_input`).
//!
//! Everything here is pure: it reads the bytes or values it is handed and returns values or
//! the error a client is told. Answering over HTTP, authentication and storing stay in the
//! server; keeping them out lets the fuzz targets (`fuzz/`) build this crate alone.

pub mod contact_input;
pub mod contacts_csv;
pub mod websms;
pub mod whatsapp_webhook;
