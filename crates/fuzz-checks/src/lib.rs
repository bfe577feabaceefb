//! What bote's fuzz targets check, one function per target, each taking the fuzzer's raw
//! bytes. A check panics when a property fails; every input must be handled without a
//! panic, an endless loop or unbounded memory. The targets in `fuzz/` (cargo-fuzz) call
//! these, and `tests/regressions.rs` replays the inputs kept in `fuzz/regressions/<target>/`
//! on every test run, so a case the fuzzer once found stays fixed. bote-wire's proptests
//! call the checks of its parsers too, on inputs generated to reach deep structures.

pub mod contacts_csv;
pub mod phone;
pub mod receipt;
pub mod smpp;
pub mod sms;
pub mod websms;
pub mod whatsapp;

/// A target's check of one input.
pub type Check = fn(&[u8]);

/// Every target by name, for the regression replay.
pub const TARGETS: &[(&str, Check)] = &[
    ("smpp_pdu", smpp::pdu),
    ("smpp_stream", smpp::stream),
    ("receipt_text", receipt::text),
    ("phone_parse", phone::parse),
    ("sms_encoding", sms::encoding),
    ("gsm7_packing", sms::packing),
    ("websms_request", websms::request),
    ("whatsapp_webhook", whatsapp::webhook),
    ("csv_import", contacts_csv::import),
];

/// The fuzzer's bytes as text, when they are UTF-8 (string targets skip the rest).
pub(crate) fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}
