//! The settings page's strings, German and English (kept beside the widget rather than in
//! the shared catalogue; the same compile-time check: both are values of one struct).

use super::super::i18n::Lang;

pub struct SettingsStrings {
    pub title: &'static str,
    pub intro: &'static str,
    pub link_title: &'static str,
    pub not_active: &'static str,
    pub iframe_snippet: &'static str,
    pub script_snippet: &'static str,
    pub look_title: &'static str,
    pub saved: &'static str,
    pub language: &'static str,
    pub field_title: &'static str,
    pub field_intro: &'static str,
    pub field_consent: &'static str,
    pub field_button: &'static str,
    pub default_hint: &'static str,
    pub primary_color: &'static str,
    pub background_color: &'static str,
    pub text_color: &'static str,
    pub logo_url: &'static str,
    pub preview: &'static str,
}

const DE: SettingsStrings = SettingsStrings {
    title: "Opt-in-Widget",
    intro: "Ein Formular für Ihre Website: Besucher geben ihre Handynummer ein und erhalten per \
        SMS Ihre WhatsApp-Nummer. Ihre erste Nachricht an diese Nummer ist die Freigabe.",
    link_title: "Link und Einbettung",
    not_active: "WhatsApp ist für dieses Konto noch nicht aktiv: Das Widget nimmt Anfragen an, \
        sobald Ihre WhatsApp-Nummer eingerichtet ist.",
    iframe_snippet: "Als iframe einbetten",
    script_snippet: "Oder als Script einbetten",
    look_title: "Aussehen",
    saved: "Gespeichert.",
    language: "Sprache des Widgets",
    field_title: "Überschrift",
    field_intro: "Einleitung",
    field_consent: "Einwilligungstext (wird bei jeder Anfrage im Nachweis gespeichert)",
    field_button: "Beschriftung der Schaltfläche",
    default_hint: "leer: Standardtext",
    primary_color: "Akzentfarbe",
    background_color: "Hintergrund",
    text_color: "Schrift",
    logo_url: "Logo-Adresse (https)",
    preview: "Vorschau",
};

const EN: SettingsStrings = SettingsStrings {
    title: "Opt-in widget",
    intro: "A form for your website: visitors enter their mobile number and get your WhatsApp \
        number by SMS. Their first message to it is the opt-in.",
    link_title: "Link and embedding",
    not_active: "WhatsApp is not active for this account yet: the widget takes requests once \
        your WhatsApp number is set up.",
    iframe_snippet: "Embed as an iframe",
    script_snippet: "Or embed with a script tag",
    look_title: "Look",
    saved: "Saved.",
    language: "Widget language",
    field_title: "Heading",
    field_intro: "Introduction",
    field_consent: "Consent text (kept as proof with every request)",
    field_button: "Button label",
    default_hint: "empty: default text",
    primary_color: "Accent colour",
    background_color: "Background",
    text_color: "Text",
    logo_url: "Logo address (https)",
    preview: "Preview",
};

pub fn settings_strings(lang: Lang) -> &'static SettingsStrings {
    match lang {
        Lang::De => &DE,
        Lang::En => &EN,
    }
}
