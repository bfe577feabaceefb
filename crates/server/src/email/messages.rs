//! The emails' texts, German first and English below: bote does not know which language an
//! owner reads, and both fit one short message.

use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub body: String,
}

/// WhatsApp was activated with `package`: the widget's link (R8). `pending_until` is the
/// expected end of the setup while it runs (R3).
pub fn activation_email(
    business: &str,
    package: &str,
    widget_url: &str,
    pending_until: Option<NaiveDate>,
) -> Email {
    let (pending_de, pending_en) = match pending_until {
        Some(day) => {
            let d = day.format("%d.%m.%Y");
            let e = day.format("%Y-%m-%d");
            (
                format!(
                    "\nIhre WhatsApp-Nummer wird gerade eingerichtet (voraussichtlich bis {d}); \
                     ab dann nimmt das Widget Anmeldungen an.\n"
                ),
                format!(
                    "\nYour WhatsApp number is being set up (expected by {e}); the widget takes \
                     sign-ups from then on.\n"
                ),
            )
        }
        None => (String::new(), String::new()),
    };
    Email {
        subject: format!("WhatsApp ist aktiviert / WhatsApp is activated – {business}"),
        body: format!(
            "Guten Tag,\n\n\
             für {business} ist WhatsApp mit dem Paket {package} aktiviert.\n\
             Mit Ihrem Opt-in-Widget melden sich Ihre Kunden für Ihre WhatsApp-Nachrichten an:\n\n\
             {widget_url}\n\n\
             Binden Sie es auf Ihrer Website ein (Einstellungen → Widget zeigt den Code) oder \
             verlinken Sie es direkt.\n{pending_de}\n\
             ---\n\n\
             Hello,\n\n\
             WhatsApp is activated for {business} with the {package} package.\n\
             Your opt-in widget lets your customers sign up for your WhatsApp messages:\n\n\
             {widget_url}\n\n\
             Embed it on your website (Settings → Widget shows the code) or link to it.\n\
             {pending_en}\n\
             bote\n"
        ),
    }
}

/// The trial of a test account ends at `ends_at` (R5).
pub fn trial_email(business: &str, ends_at: DateTime<Utc>) -> Email {
    let de = ends_at.format("%d.%m.%Y %H:%M UTC");
    let en = ends_at.format("%Y-%m-%d %H:%M UTC");
    Email {
        subject: format!("Ihr Testzugang endet bald / Your trial ends soon – {business}"),
        body: format!(
            "Guten Tag,\n\n\
             der Testzugang {business} endet am {de}. Danach kann er keine Nachrichten mehr \
             senden. Ihr Kundenbetreuer wandelt ihn gern in einen vollen Zugang um.\n\n\
             ---\n\n\
             Hello,\n\n\
             the test account {business} ends on {en}. After that it can no longer send \
             messages. Your account manager will gladly turn it into a full account.\n\n\
             bote\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_activation_email_carries_the_link_in_both_languages() {
        let e = activation_email("Acme", "medium", "https://bote.example/w/ab12", None);
        assert!(e.subject.contains("Acme"));
        assert_eq!(e.body.matches("https://bote.example/w/ab12").count(), 2);
        assert!(e.body.contains("Paket medium") && e.body.contains("medium package"));
        assert!(!e.body.contains("eingerichtet"));
        let day = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        let p = activation_email("Acme", "small", "https://x/w/1", Some(day));
        assert!(p.body.contains("09.03.2026") && p.body.contains("2026-03-09"));
    }
}
