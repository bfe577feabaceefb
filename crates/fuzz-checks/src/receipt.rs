//! Delivery receipt texts (`id:… stat:… err:…`) come from SMSCs in many dialects.

use bote_channels::smpp::receipt::{id_variants, parse_date, parse_text};

/// Parsing never panics; every id read yields its hex/decimal variants without panicking,
/// the id as read always among them.
pub fn text(data: &[u8]) {
    let Some(s) = crate::text(data) else { return };
    let _ = parse_date(s);
    if let Some(receipt) = parse_text(s)
        && let Some(id) = receipt.id.as_deref()
    {
        let variants = id_variants(id);
        assert!(
            variants.iter().any(|v| v == id.trim()),
            "{id:?} not in {variants:?}"
        );
    }
}
