//! What a widget says, in its language: the business's own texts where it set them, else
//! the defaults here; and the SMS a visitor receives.

use bote_store::WidgetLook;

/// The language a widget speaks (set by the business, not by the visitor's browser, so the
/// widget matches the website it is on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WidgetLang {
    De,
    En,
}

impl WidgetLang {
    /// `de` or `en`; anything else is German, bote's default.
    pub fn of(look: &WidgetLook) -> WidgetLang {
        if look.language == "en" {
            WidgetLang::En
        } else {
            WidgetLang::De
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            WidgetLang::De => "de",
            WidgetLang::En => "en",
        }
    }
}

/// Fixed strings of the widget page besides the customisable ones.
pub struct Labels {
    pub number_label: &'static str,
    pub number_hint: &'static str,
    pub sent_title: &'static str,
    pub sent_text: &'static str,
    pub invalid_number: &'static str,
    pub too_many: &'static str,
    pub unavailable: &'static str,
    /// The honeypot's label: people never see it, bots read it.
    pub honeypot_label: &'static str,
}

const DE: Labels = Labels {
    number_label: "Ihre Handynummer",
    number_hint: "z. B. 0664 1234567 oder +43 664 1234567",
    sent_title: "Fast geschafft!",
    sent_text: "Wenn die Nummer stimmt, erhalten Sie gleich eine SMS mit unserer WhatsApp-Nummer. \
        Speichern Sie sie und schreiben Sie uns auf WhatsApp – damit ist Ihre Anmeldung erledigt.",
    invalid_number: "Bitte geben Sie eine gültige Handynummer ein.",
    too_many: "Zu viele Anfragen von Ihrer Verbindung. Bitte versuchen Sie es später noch einmal.",
    unavailable: "Diese Anmeldung ist zurzeit nicht verfügbar.",
    honeypot_label: "Bitte dieses Feld leer lassen",
};

const EN: Labels = Labels {
    number_label: "Your mobile number",
    number_hint: "e.g. +43 664 1234567",
    sent_title: "Almost done!",
    sent_text: "If the number is right, you will get a text message with our WhatsApp number in a \
        moment. Save it and send us a WhatsApp message – that completes your sign-up.",
    invalid_number: "Please enter a valid mobile number.",
    too_many: "Too many requests from your connection. Please try again later.",
    unavailable: "This sign-up is not available at the moment.",
    honeypot_label: "Please leave this field empty",
};

/// The texts a widget shows, its own or the defaults of its language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetTexts {
    pub lang: WidgetLang,
    pub title: String,
    pub intro: String,
    /// Shown beside the button and recorded with every request (R8).
    pub consent: String,
    pub button: String,
}

impl WidgetTexts {
    pub fn of(look: &WidgetLook, business: &str) -> WidgetTexts {
        let lang = WidgetLang::of(look);
        let (title, intro, consent, button) = match lang {
            WidgetLang::De => (
                format!("{business} auf WhatsApp"),
                "Erhalten Sie unsere Neuigkeiten direkt auf WhatsApp. Geben Sie Ihre Handynummer \
                 ein, wir schicken Ihnen unsere WhatsApp-Nummer per SMS."
                    .to_owned(),
                format!(
                    "Ich möchte Nachrichten von {business} auf WhatsApp erhalten. Meine Anmeldung \
                     gilt, sobald ich {business} auf WhatsApp schreibe; mit STOP kann ich mich \
                     jederzeit abmelden."
                ),
                "SMS anfordern".to_owned(),
            ),
            WidgetLang::En => (
                format!("{business} on WhatsApp"),
                "Get our news right on WhatsApp. Enter your mobile number and we will text you \
                 our WhatsApp number."
                    .to_owned(),
                format!(
                    "I want to receive messages from {business} on WhatsApp. My sign-up counts \
                     once I write to {business} on WhatsApp; I can leave at any time by sending \
                     STOP."
                ),
                "Send me the SMS".to_owned(),
            ),
        };
        let own = |text: &Option<String>, default: String| {
            text.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .unwrap_or(default)
        };
        WidgetTexts {
            lang,
            title: own(&look.title, title),
            intro: own(&look.intro, intro),
            consent: own(&look.consent_text, consent),
            button: own(&look.button, button),
        }
    }

    pub fn labels(&self) -> &'static Labels {
        match self.lang {
            WidgetLang::De => &DE,
            WidgetLang::En => &EN,
        }
    }

    /// The SMS a visitor gets: the business's WhatsApp number and a link that opens a chat
    /// with it, prefilled with the opt-in keyword where the package needs one (R3, R8).
    pub fn sms(&self, business: &str, whatsapp_number: &str, keyword: Option<&str>) -> String {
        let link = super::wa_me_link(whatsapp_number, keyword);
        match (self.lang, keyword) {
            (WidgetLang::De, Some(k)) => format!(
                "{business}: Unsere WhatsApp-Nummer ist {whatsapp_number}. Speichern Sie sie und \
                 senden Sie {k}, um sich anzumelden: {link}"
            ),
            (WidgetLang::De, None) => format!(
                "{business}: Unsere WhatsApp-Nummer ist {whatsapp_number}. Speichern Sie sie und \
                 schreiben Sie uns, um sich anzumelden: {link}"
            ),
            (WidgetLang::En, Some(k)) => format!(
                "{business}: Our WhatsApp number is {whatsapp_number}. Save it and send {k} to \
                 sign up: {link}"
            ),
            (WidgetLang::En, None) => format!(
                "{business}: Our WhatsApp number is {whatsapp_number}. Save it and write to us \
                 to sign up: {link}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_texts_win_and_blank_ones_fall_back_to_the_language() {
        let look = WidgetLook {
            language: "en".into(),
            title: Some("Join us".into()),
            intro: Some("   ".into()),
            ..WidgetLook::default()
        };
        let t = WidgetTexts::of(&look, "Acme");
        assert_eq!(t.lang, WidgetLang::En);
        assert_eq!(t.title, "Join us");
        assert!(t.intro.starts_with("Get our news"), "{}", t.intro);
        assert!(t.consent.contains("Acme"));
        let de = WidgetTexts::of(&WidgetLook::default(), "Acme");
        assert_eq!(de.title, "Acme auf WhatsApp");
    }

    #[test]
    fn the_sms_names_the_number_and_links_to_it() {
        let t = WidgetTexts::of(&WidgetLook::default(), "Acme");
        let sms = t.sms("Acme", "+43800000001", Some("START"));
        assert!(sms.contains("+43800000001"), "{sms}");
        assert!(
            sms.ends_with("https://wa.me/43800000001?text=START"),
            "{sms}"
        );
        let plain = t.sms("Acme", "+43800000001", None);
        assert!(plain.ends_with("https://wa.me/43800000001"), "{plain}");
    }
}
