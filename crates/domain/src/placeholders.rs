//! `{{first_name}}`-style placeholders in SMS texts (R20: SMS only; WhatsApp broadcasts
//! carry no personalisation). Deliberately tiny: names are letters, digits and `_`, filled
//! from the contact; unknown names become empty. No logic, no escaping rules to learn.

use std::collections::BTreeMap;

/// The placeholder names in `text`, in order of appearance, without repeats.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    each(text, |piece| {
        if let Piece::Name(n) = piece
            && !names.contains(&n)
        {
            names.push(n);
        }
    });
    names
}

/// Whether `text` has any placeholder.
pub fn has_placeholders(text: &str) -> bool {
    !placeholders(text).is_empty()
}

/// Fills each `{{name}}` with `values[name]`, or with nothing when absent.
pub fn render(text: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    each(text, |piece| match piece {
        Piece::Text(t) => out.push_str(t),
        Piece::Name(n) => out.push_str(values.get(n).map(String::as_str).unwrap_or("")),
    });
    out
}

enum Piece<'a> {
    Text(&'a str),
    Name(&'a str),
}

fn each<'a>(mut text: &'a str, mut f: impl FnMut(Piece<'a>)) {
    while let Some(start) = text.find("{{") {
        let rest = &text[start + 2..];
        let Some(end) = rest.find("}}") else { break };
        let name = rest[..end].trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            // Not a placeholder: keep the braces as text and go on after them.
            f(Piece::Text(&text[..start + 2]));
            text = rest;
            continue;
        }
        f(Piece::Text(&text[..start]));
        f(Piece::Name(name));
        text = &rest[end + 2..];
    }
    f(Piece::Text(text));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn fills_known_and_empties_unknown() {
        let v = values(&[("first_name", "Anna"), ("plz", "1010")]);
        assert_eq!(
            render("Hallo {{first_name}}, {{ plz }}!{{nope}}", &v),
            "Hallo Anna, 1010!"
        );
        assert_eq!(placeholders("{{a}} {{b}} {{a}}"), ["a", "b"]);
        assert!(!has_placeholders("no {{ braces here"));
        assert_eq!(render("{{ not a name }} {{x}", &v), "{{ not a name }} {{x}");
        assert_eq!(render("€ {{first_name}} 👋", &v), "€ Anna 👋");
    }

    proptest! {
        #[test]
        fn text_without_placeholders_is_unchanged(s in "[^{}]*") {
            prop_assert_eq!(render(&s, &BTreeMap::new()), s);
        }

        #[test]
        fn render_never_panics(s in "\\PC*") {
            let _ = render(&s, &values(&[("a", "x")]));
        }
    }
}
