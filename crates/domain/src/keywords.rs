//! Keywords recipients send to manage their consent (R7, R10–R12): `START`, `START <code>`,
//! `STOP`, `STOP <code>`, with German synonyms and per-account additions.
//!
//! Parsing is forgiving about what people type on a phone — case, surrounding spaces and
//! punctuation (`"  stop!"`, `"Start news."`) — and strict about what follows the word:
//! one group code or nothing. A text that starts with a keyword but does not fit
//! (`"START two words"`, `"STOP ???"`) is *keyword-like*: the pipeline answers it with help
//! instead of guessing.

use crate::GroupCode;

/// Words that mean START, always (upper case).
pub const START_WORDS: [&str; 2] = ["START", "ANMELDEN"];
/// Words that mean STOP, always (upper case).
pub const STOP_WORDS: [&str; 3] = ["STOP", "STOPP", "ABMELDEN"];

/// What a keyword asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    Start,
    Stop,
}

/// A valid keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keyword {
    /// Opt in (R7), and join the group when a code is given (R10).
    Start(Option<GroupCode>),
    /// Revoke the opt-in (R11), or leave only the group when a code is given (R12).
    Stop(Option<GroupCode>),
}

/// How an inbound text reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Keyword(Keyword),
    /// Starts with a keyword but the rest is no single group code; `rest` as typed.
    KeywordLike {
        verb: Verb,
        rest: String,
    },
    /// An ordinary message.
    NotKeyword,
}

/// The words an account accepts besides [`START_WORDS`] and [`STOP_WORDS`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtraWords {
    pub start: Vec<String>,
    pub stop: Vec<String>,
}

/// An extra keyword as the account gives it, checked: one word of letters or digits.
pub fn check_word(word: &str) -> Result<String, String> {
    let w = word.trim();
    if w.is_empty() || w.chars().count() > 32 || !w.chars().all(char::is_alphanumeric) {
        return Err(format!(
            "keyword '{w}' must be one word of 1 to 32 letters or digits"
        ));
    }
    Ok(w.to_uppercase())
}

/// Reads `text` as a keyword (see the module docs).
pub fn parse(text: &str, extra: &ExtraWords) -> Parsed {
    let trimmed = text.trim_matches(|c: char| !c.is_alphanumeric());
    let mut words = trimmed.split_whitespace();
    let Some(first) = words.next() else {
        return Parsed::NotKeyword;
    };
    let first = first
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_uppercase();
    let is = |fixed: &[&str], extra: &[String]| {
        fixed.contains(&first.as_str()) || extra.iter().any(|w| w.trim().to_uppercase() == first)
    };
    let verb = if is(&STOP_WORDS, &extra.stop) {
        Verb::Stop
    } else if is(&START_WORDS, &extra.start) {
        Verb::Start
    } else {
        return Parsed::NotKeyword;
    };
    let rest: Vec<&str> = words.collect();
    let code = match rest.as_slice() {
        [] => None,
        [one] => match GroupCode::parse(one.trim_matches(|c: char| !c.is_alphanumeric())) {
            Ok(code) => Some(code),
            Err(_) => return keyword_like(verb, &rest),
        },
        _ => return keyword_like(verb, &rest),
    };
    Parsed::Keyword(match verb {
        Verb::Start => Keyword::Start(code),
        Verb::Stop => Keyword::Stop(code),
    })
}

fn keyword_like(verb: Verb, rest: &[&str]) -> Parsed {
    Parsed::KeywordLike {
        verb,
        rest: rest.join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(c: &str) -> Option<GroupCode> {
        Some(GroupCode::parse(c).unwrap())
    }

    fn none() -> ExtraWords {
        ExtraWords::default()
    }

    #[test]
    fn r10_r11_r12_keywords_tolerate_case_spaces_and_punctuation() {
        for (text, want) in [
            ("STOP", Keyword::Stop(None)),
            ("  stop!", Keyword::Stop(None)),
            ("Stopp.", Keyword::Stop(None)),
            ("abmelden", Keyword::Stop(None)),
            ("start", Keyword::Start(None)),
            ("Anmelden!!", Keyword::Start(None)),
            ("Start news.", Keyword::Start(code("NEWS"))),
            ("START  Kunden-2024 ", Keyword::Start(code("KUNDEN-2024"))),
            ("stop NEWS!", Keyword::Stop(code("news"))),
            ("\"STOP\"", Keyword::Stop(None)),
            ("ABMELDEN vip", Keyword::Stop(code("VIP"))),
        ] {
            assert_eq!(parse(text, &none()), Parsed::Keyword(want), "{text:?}");
        }
    }

    #[test]
    fn ordinary_texts_are_no_keywords() {
        for text in ["", "  ", "Hallo", "Starting soon", "stopped?", "!!!", "🙂"] {
            assert_eq!(parse(text, &none()), Parsed::NotKeyword, "{text:?}");
        }
    }

    #[test]
    fn keywords_with_a_rest_that_is_no_code_are_keyword_like() {
        assert_eq!(
            parse("START two words", &none()),
            Parsed::KeywordLike {
                verb: Verb::Start,
                rest: "two words".into()
            }
        );
        assert_eq!(
            parse("stop sending me this", &none()),
            Parsed::KeywordLike {
                verb: Verb::Stop,
                rest: "sending me this".into()
            }
        );
        assert!(matches!(
            parse(&format!("start {}", "x".repeat(40)), &none()),
            Parsed::KeywordLike {
                verb: Verb::Start,
                ..
            }
        ));
    }

    #[test]
    fn accounts_add_their_own_words() {
        let extra = ExtraWords {
            start: vec!["Ja".into()],
            stop: vec!["ENDE".into()],
        };
        assert_eq!(
            parse("ja news", &extra),
            Parsed::Keyword(Keyword::Start(code("NEWS")))
        );
        assert_eq!(parse("Ende.", &extra), Parsed::Keyword(Keyword::Stop(None)));
        assert_eq!(parse("ende", &none()), Parsed::NotKeyword);
        // The fixed words stay.
        assert_eq!(parse("stop", &extra), Parsed::Keyword(Keyword::Stop(None)));
    }

    #[test]
    fn extra_words_are_checked() {
        assert_eq!(check_word(" ja "), Ok("JA".into()));
        assert!(check_word("two words").is_err());
        assert!(check_word("").is_err());
        assert!(check_word("st!").is_err());
    }

    proptest! {
        #[test]
        fn parsing_never_panics(text in any::<String>(), word in "\\PC{0,8}") {
            let extra = ExtraWords { start: vec![word.clone()], stop: vec![word] };
            let _ = parse(&text, &extra);
        }

        #[test]
        fn any_case_and_padding_reads_the_same(
            pad in "[ .!?,]{0,3}",
            code_text in "[A-Za-z0-9]{1,12}",
            upper in any::<bool>(),
        ) {
            let word = if upper { "START" } else { "start" };
            let text = format!("{pad}{word} {code_text}{pad}");
            prop_assert_eq!(
                parse(&text, &ExtraWords::default()),
                Parsed::Keyword(Keyword::Start(Some(GroupCode::parse(&code_text).unwrap())))
            );
        }
    }
}
