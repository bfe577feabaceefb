//! The opt-in widget (R8): a form on the business's own website where a visitor types their
//! mobile number and gets an SMS with the business's WhatsApp number and a `wa.me` link.
//! The opt-in itself is the message they then send (R7); the widget's request, with the
//! consent text it showed, goes to the consent ledger so the proof of consent links both.
//!
//! - [`look`]: the customisable look, parsed from the settings form;
//! - [`texts`]: the texts a widget shows and the SMS it sends, per language;
//! - [`limits`]: requests per visitor address and per number;
//! - [`request`]: one visitor's request, from the form to the outbox and the ledger.

pub mod limits;
pub mod look;
pub mod request;
pub mod texts;

pub use limits::WidgetLimiter;
pub use look::{LookError, LookForm, parse_look};
pub use request::{Answer, Handled, VisitorRequest, handle};
pub use texts::{WidgetLang, WidgetTexts};

/// The hosted page of a widget, under bote's public address.
pub fn page_url(public_base: &str, public_id: &str) -> String {
    format!("{}/w/{public_id}", public_base.trim_end_matches('/'))
}

/// `https://wa.me/<digits>`, prefilled with `text` when given (the small package's opt-in
/// keyword, R3).
pub fn wa_me_link(whatsapp_number: &str, text: Option<&str>) -> String {
    let digits: String = whatsapp_number
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    match text {
        Some(t) => format!("https://wa.me/{digits}?text={}", urlencoding(t)),
        None => format!("https://wa.me/{digits}"),
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wa_me_links_carry_digits_and_an_encoded_text() {
        assert_eq!(
            wa_me_link("+43800000001", None),
            "https://wa.me/43800000001"
        );
        assert_eq!(
            wa_me_link("+43 800 000001", Some("START")),
            "https://wa.me/43800000001?text=START"
        );
        assert_eq!(
            wa_me_link("+43800000001", Some("START NEWS ä")),
            "https://wa.me/43800000001?text=START%20NEWS%20%C3%A4"
        );
    }

    #[test]
    fn page_urls_join_without_double_slashes() {
        assert_eq!(
            page_url("https://bote.example/", "ab12"),
            "https://bote.example/w/ab12"
        );
    }
}
