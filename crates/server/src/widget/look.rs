//! The widget's look as the settings form sends it, parsed into a [`WidgetLook`] that is
//! safe to show: colours that can only be colours, an `https` logo address, bounded texts.

use bote_store::WidgetLook;
use serde::Deserialize;

/// The settings form's fields, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LookForm {
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub intro: String,
    #[serde(default)]
    pub consent_text: String,
    #[serde(default)]
    pub button: String,
    #[serde(default)]
    pub primary_color: String,
    #[serde(default)]
    pub background_color: String,
    #[serde(default)]
    pub text_color: String,
    #[serde(default)]
    pub logo_url: String,
}

impl LookForm {
    /// The form filled with a saved look.
    pub fn of(look: &WidgetLook) -> LookForm {
        let text = |t: &Option<String>| t.clone().unwrap_or_default();
        LookForm {
            language: look.language.clone(),
            title: text(&look.title),
            intro: text(&look.intro),
            consent_text: text(&look.consent_text),
            button: text(&look.button),
            primary_color: look.primary_color.clone(),
            background_color: look.background_color.clone(),
            text_color: look.text_color.clone(),
            logo_url: text(&look.logo_url),
        }
    }
}

/// The first field that is not acceptable, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookError {
    #[error("language must be de or en, not '{0}'")]
    Language(String),
    #[error("{field} must be a colour like #0f766e, not '{value}'")]
    Colour { field: &'static str, value: String },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("the logo address must start with https:// and be a valid URL")]
    Logo,
}

impl LookError {
    /// The form field the error is about, for marking it on the page.
    pub fn field(&self) -> &'static str {
        match self {
            LookError::Language(_) => "language",
            LookError::Colour { field, .. } | LookError::TooLong { field, .. } => field,
            LookError::Logo => "logo_url",
        }
    }
}

const MAX_TITLE: usize = 80;
const MAX_INTRO: usize = 400;
const MAX_CONSENT: usize = 600;
const MAX_BUTTON: usize = 40;
const MAX_LOGO_URL: usize = 500;

fn colour(field: &'static str, value: &str) -> Result<String, LookError> {
    let v = value.trim();
    let ok = v.len() == 7 && v.starts_with('#') && v[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(v.to_ascii_lowercase())
    } else {
        Err(LookError::Colour {
            field,
            value: value.to_owned(),
        })
    }
}

fn text(field: &'static str, value: &str, max: usize) -> Result<Option<String>, LookError> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(LookError::TooLong { field, max });
    }
    Ok((!v.is_empty()).then(|| v.to_owned()))
}

fn logo(value: &str) -> Result<Option<String>, LookError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.len() > MAX_LOGO_URL {
        return Err(LookError::TooLong {
            field: "logo_url",
            max: MAX_LOGO_URL,
        });
    }
    match url::Url::parse(v) {
        Ok(u) if u.scheme() == "https" && u.host().is_some() => Ok(Some(u.to_string())),
        _ => Err(LookError::Logo),
    }
}

/// Parses the form; empty texts mean "the default of the language".
pub fn parse_look(form: &LookForm) -> Result<WidgetLook, LookError> {
    let language = match form.language.trim() {
        "de" | "" => "de",
        "en" => "en",
        other => return Err(LookError::Language(other.to_owned())),
    };
    Ok(WidgetLook {
        language: language.into(),
        title: text("title", &form.title, MAX_TITLE)?,
        intro: text("intro", &form.intro, MAX_INTRO)?,
        consent_text: text("consent_text", &form.consent_text, MAX_CONSENT)?,
        button: text("button", &form.button, MAX_BUTTON)?,
        primary_color: colour("primary_color", &form.primary_color)?,
        background_color: colour("background_color", &form.background_color)?,
        text_color: colour("text_color", &form.text_color)?,
        logo_url: logo(&form.logo_url)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> LookForm {
        LookForm::of(&WidgetLook::default())
    }

    #[test]
    fn a_saved_look_parses_back_to_itself() {
        assert_eq!(parse_look(&form()), Ok(WidgetLook::default()));
    }

    #[test]
    fn colours_are_only_hex_colours() {
        for bad in ["red", "#12345", "#12345g", "#123456;x", "url(x)", ""] {
            let f = LookForm {
                primary_color: bad.into(),
                ..form()
            };
            assert_eq!(
                parse_look(&f).unwrap_err().field(),
                "primary_color",
                "{bad}"
            );
        }
        let f = LookForm {
            text_color: " #AABBCC ".into(),
            ..form()
        };
        assert_eq!(parse_look(&f).unwrap().text_color, "#aabbcc");
    }

    #[test]
    fn logos_must_be_https_urls() {
        for bad in [
            "http://x.example/a.png",
            "javascript:alert(1)",
            "https://",
            "x",
        ] {
            let f = LookForm {
                logo_url: bad.into(),
                ..form()
            };
            assert_eq!(parse_look(&f), Err(LookError::Logo), "{bad}");
        }
        let f = LookForm {
            logo_url: "https://acme.example/logo.png".into(),
            ..form()
        };
        assert_eq!(
            parse_look(&f).unwrap().logo_url.as_deref(),
            Some("https://acme.example/logo.png")
        );
    }

    #[test]
    fn texts_are_trimmed_bounded_and_empty_means_default() {
        let f = LookForm {
            title: "  Hi  ".into(),
            intro: " ".into(),
            button: "x".repeat(41),
            ..form()
        };
        assert_eq!(
            parse_look(&f),
            Err(LookError::TooLong {
                field: "button",
                max: 40
            })
        );
        let f = LookForm {
            button: String::new(),
            ..f
        };
        let look = parse_look(&f).unwrap();
        assert_eq!(look.title.as_deref(), Some("Hi"));
        assert_eq!(look.intro, None);
        let f = LookForm {
            language: "fr".into(),
            ..form()
        };
        assert_eq!(parse_look(&f), Err(LookError::Language("fr".into())));
    }
}
