//! WhatsApp message templates as a send names them: a whole-template send, or the template
//! a free-form send falls back to for recipients outside their 24-hour customer-service
//! window (Meta refuses free-form messages there, error 131047).

use serde::{Deserialize, Serialize};

/// An approved template: its name, language and body parameters (`{{1}}`, `{{2}}`…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub name: String,
    pub language: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<String>,
}

/// Longest template name Meta accepts.
const MAX_NAME: usize = 512;
/// Longest body parameter bote passes on.
const MAX_PARAMETER: usize = 1024;

/// What is wrong with a template: the offending part (`name`, `language`,
/// `parameters[i]`) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part}: {problem}")]
pub struct TemplateError {
    pub part: String,
    pub problem: String,
}

impl Template {
    /// Checks the template against Meta's rules for names, language codes and parameters.
    pub fn check(&self) -> Result<(), TemplateError> {
        let err = |part: &str, problem: &str| TemplateError {
            part: part.to_owned(),
            problem: problem.to_owned(),
        };
        let name_ok = self
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if self.name.is_empty() || self.name.len() > MAX_NAME || !name_ok {
            return Err(err(
                "name",
                "1 to 512 lowercase letters, digits and underscores, as approved at Meta",
            ));
        }
        if !language_ok(&self.language) {
            return Err(err("language", "a language code such as 'de' or 'en_US'"));
        }
        for (i, p) in self.parameters.iter().enumerate() {
            let part = format!("parameters[{i}]");
            if p.trim().is_empty() {
                return Err(err(&part, "empty; every parameter needs a value"));
            }
            if p.chars().count() > MAX_PARAMETER {
                return Err(err(&part, "at most 1024 characters"));
            }
            if p.contains(['\n', '\t']) {
                return Err(err(
                    &part,
                    "WhatsApp takes no line breaks or tabs in parameters",
                ));
            }
        }
        Ok(())
    }
}

/// `de`, `fil`, `en_US`, `zh_Hant`…: two or three lowercase letters, optionally `_` and a
/// region or script of two to four letters.
fn language_ok(code: &str) -> bool {
    let (lang, rest) = match code.split_once('_') {
        Some((lang, rest)) => (lang, Some(rest)),
        None => (code, None),
    };
    let lang_ok = (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_lowercase());
    let rest_ok = rest
        .is_none_or(|r| (2..=4).contains(&r.len()) && r.chars().all(|c| c.is_ascii_alphabetic()));
    lang_ok && rest_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(name: &str, language: &str, parameters: &[&str]) -> Template {
        Template {
            name: name.into(),
            language: language.into(),
            parameters: parameters.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn templates_are_checked_part_by_part() {
        assert_eq!(template("order_ready_2", "de", &["Anna"]).check(), Ok(()));
        assert_eq!(template("hello_world", "en_US", &[]).check(), Ok(()));
        assert_eq!(
            template("Hello World", "de", &[]).check().unwrap_err().part,
            "name"
        );
        assert_eq!(template("", "de", &[]).check().unwrap_err().part, "name");
        for bad in ["", "german", "DE", "en-US", "en_"] {
            assert_eq!(
                template("a", bad, &[]).check().unwrap_err().part,
                "language",
                "{bad}"
            );
        }
        assert_eq!(
            template("a", "de", &["ok", " "]).check().unwrap_err().part,
            "parameters[1]"
        );
        assert_eq!(
            template("a", "de", &["a\nb"]).check().unwrap_err().part,
            "parameters[0]"
        );
    }
}
