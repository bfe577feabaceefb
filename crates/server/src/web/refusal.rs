//! How a page words input the API's checks refused: the API's message, led by the field it
//! names (once, when the message does not start with it already).

use crate::api::ApiError;

pub fn refusal(e: ApiError) -> String {
    match e.field {
        Some(field) if !e.message.starts_with(&format!("{field}:")) => {
            format!("{field}: {}", e.message)
        }
        _ => e.message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_leads_once() {
        let named = ApiError::invalid("to", "x", "to: 'a' is not a business number");
        assert_eq!(refusal(named), "to: 'a' is not a business number");
        let bare = ApiError::invalid("name", "x", "too long");
        assert_eq!(refusal(bare), "name: too long");
    }
}
