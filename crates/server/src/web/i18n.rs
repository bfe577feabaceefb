//! The languages of the web interface. Every string a page shows comes from one catalogue
//! per language; both are values of one struct, so a string missing in either language is
//! a compile error rather than a blank on a page.

use axum::http::HeaderMap;
use axum_extra::extract::CookieJar;

/// The cookie that keeps the language a person chose with the switch.
pub const LANG_COOKIE: &str = "bote_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    De,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::De => &DE,
            Lang::En => &EN,
        }
    }

    /// The other language, which the switch in the header offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::De => Lang::En,
            Lang::En => Lang::De,
        }
    }

    /// The language cookie first, then the best of `Accept-Language`, else German (bote's
    /// customers are mostly German-speaking businesses).
    pub fn negotiate(jar: &CookieJar, headers: &HeaderMap) -> Lang {
        if let Some(lang) = jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
            return lang;
        }
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(from_accept_language)
            .unwrap_or(Lang::De)
    }
}

/// The supported language with the highest weight in an `Accept-Language` value.
fn from_accept_language(header: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        let primary = tag.split('-').next().unwrap_or_default();
        let Some(lang) = Lang::parse(primary) else {
            continue;
        };
        let weight = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if weight > 0.0 && best.is_none_or(|(w, _)| weight > w) {
            best = Some((weight, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// One language's strings.
pub struct Strings {
    pub language_name: &'static str,
    pub switch_language: &'static str,
    pub tagline: &'static str,
    pub login_title: &'static str,
    pub login_intro: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub wrong_login: &'static str,
    pub too_many_attempts: &'static str,
    pub form_expired: &'static str,
    pub nav_dashboard: &'static str,
    pub nav_admin: &'static str,
    pub nav_optins: &'static str,
    pub nav_settings: &'static str,
    pub nav_sandbox: &'static str,
    pub signed_in_as: &'static str,
    pub dashboard_title: &'static str,
    pub dashboard_welcome: &'static str,
    pub recent_sends: &'static str,
    pub no_sends_yet: &'static str,
    pub col_send: &'static str,
    pub col_channel: &'static str,
    pub col_state: &'static str,
    pub col_messages: &'static str,
    pub col_created: &'static str,
    pub admin_title: &'static str,
    pub admin_intro: &'static str,
    pub col_account: &'static str,
    pub col_kind: &'static str,
    pub col_trial_ends: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub forbidden_text: &'static str,
    pub error_title: &'static str,
    pub error_text: &'static str,
    pub back_home: &'static str,
    pub nav_send: &'static str,
    pub send_title: &'static str,
    pub send_intro: &'static str,
    pub send_choose_channel: &'static str,
    pub send_change_channel: &'static str,
    pub send_text: &'static str,
    pub send_numbers: &'static str,
    pub send_preview: &'static str,
    pub send_accepted: &'static str,
    pub send_skipped: &'static str,
    pub send_encoding: &'static str,
    pub send_segments: &'static str,
    pub send_personalised: &'static str,
    pub send_chars: &'static str,
    pub send_now: &'static str,
    pub send_r19_warning: &'static str,
    pub nav_contacts: &'static str,
    pub nav_groups: &'static str,
    pub contacts_title: &'static str,
    pub groups_title: &'static str,
    pub groups_intro: &'static str,
    pub no_groups: &'static str,
    pub group_new: &'static str,
    pub group_create: &'static str,
    pub group_name_hint: &'static str,
    pub group_delete_hint: &'static str,
    pub no_contacts: &'static str,
    pub col_name: &'static str,
    pub col_code: &'static str,
    pub col_members: &'static str,
    pub search: &'static str,
    pub group: &'static str,
    pub all_groups: &'static str,
    pub new_contact: &'static str,
    pub edit_contact: &'static str,
    pub delete: &'static str,
    pub save: &'static str,
    pub next_page: &'static str,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub sms_number: &'static str,
    pub whatsapp_number: &'static str,
    pub nav_stats: &'static str,
    pub stats_title: &'static str,
    pub stats_intro: &'static str,
    pub stats_from: &'static str,
    pub stats_to: &'static str,
    pub stats_interval: &'static str,
    pub stats_per_day: &'static str,
    pub stats_per_month: &'static str,
    pub stats_all_channels: &'static str,
    pub stats_show: &'static str,
    pub stats_csv: &'static str,
    pub stats_sent_chart: &'static str,
    pub stats_period: &'static str,
    pub stats_sent: &'static str,
    pub stats_delivered: &'static str,
    pub stats_failed: &'static str,
    pub stats_segments: &'static str,
    pub stats_total: &'static str,
    pub stats_today: &'static str,
    pub stats_this_month: &'static str,
    pub stats_more: &'static str,
}

pub static DE: Strings = Strings {
    language_name: "Deutsch",
    switch_language: "Sprache",
    tagline: "SMS und WhatsApp für Ihr Unternehmen",
    login_title: "Anmelden",
    login_intro: "Melden Sie sich mit Ihrem Benutzernamen und Passwort an.",
    username: "Benutzername",
    password: "Passwort",
    sign_in: "Anmelden",
    sign_out: "Abmelden",
    wrong_login: "Benutzername oder Passwort ist falsch.",
    too_many_attempts: "Zu viele Anmeldeversuche. Bitte warten Sie eine Minute.",
    form_expired: "Das Formular ist abgelaufen. Bitte versuchen Sie es noch einmal.",
    nav_dashboard: "Übersicht",
    nav_admin: "Verwaltung",
    nav_optins: "Opt-ins",
    nav_settings: "Einstellungen",
    nav_sandbox: "Sandbox-Telefon",
    signed_in_as: "Angemeldet als",
    dashboard_title: "Übersicht",
    dashboard_welcome: "Willkommen zurück",
    recent_sends: "Letzte Versände",
    no_sends_yet: "Noch keine Versände.",
    col_send: "Versand",
    col_channel: "Kanal",
    col_state: "Status",
    col_messages: "Nachrichten",
    col_created: "Erstellt",
    admin_title: "Verwaltung",
    admin_intro: "Alle Konten dieser bote-Installation.",
    col_account: "Konto",
    col_kind: "Art",
    col_trial_ends: "Testphase endet",
    not_found_title: "Nicht gefunden",
    not_found_text: "Diese Seite gibt es nicht.",
    forbidden_text: "Diese Seite ist nur für Kundenbetreuer.",
    error_title: "Fehler",
    error_text: "Etwas ist schiefgegangen. Bitte versuchen Sie es später noch einmal.",
    back_home: "Zur Übersicht",
    nav_send: "Senden",
    send_title: "Nachricht senden",
    send_intro: "Zuerst den Kanal wählen, dann Text und Empfänger; die Vorschau zeigt, was geschieht, bevor etwas versendet wird.",
    send_choose_channel: "Kanal wählen",
    send_change_channel: "anderer Kanal",
    send_text: "Text",
    send_numbers: "Nummern (eine pro Zeile)",
    send_preview: "Vorschau",
    send_accepted: "Nachrichten",
    send_skipped: "Übersprungen",
    send_encoding: "Kodierung",
    send_segments: "SMS-Teile pro Nachricht",
    send_personalised: "Vorlage",
    send_chars: "Zeichen",
    send_now: "Jetzt senden",
    send_r19_warning: "Empfänger haben auch eine Nummer auf dem anderen Kanal: Geht derselbe Inhalt auch dort hinaus, erhalten sie ihn doppelt. Senden Sie ihn nur über einen Kanal (R19).",
    nav_contacts: "Kontakte",
    nav_groups: "Gruppen",
    contacts_title: "Kontakte",
    groups_title: "Gruppen",
    groups_intro: "Gruppen mit ihrem Code (START <Code>) und der Zahl ihrer Mitglieder.",
    no_groups: "Noch keine Gruppen.",
    group_new: "Neue Gruppe",
    group_create: "Gruppe anlegen",
    group_name_hint: "wie der Code, wenn leer",
    group_delete_hint: "Löscht die Gruppe; ihre Kontakte bleiben.",
    no_contacts: "Keine Kontakte gefunden.",
    col_name: "Name",
    col_code: "Code",
    col_members: "Mitglieder",
    search: "Suchen",
    group: "Gruppe",
    all_groups: "alle Gruppen",
    new_contact: "Neuer Kontakt",
    edit_contact: "Kontakt bearbeiten",
    delete: "Löschen",
    save: "Speichern",
    next_page: "Weiter",
    first_name: "Vorname",
    last_name: "Nachname",
    sms_number: "SMS-Nummer",
    whatsapp_number: "WhatsApp-Nummer",
    nav_stats: "Statistik",
    stats_title: "Statistik",
    stats_intro: "Nachrichten je Zeitraum und Kanal: WhatsApp neben SMS, Sprache und Push.",
    stats_from: "Von",
    stats_to: "Bis",
    stats_interval: "Zeitraum",
    stats_per_day: "pro Tag",
    stats_per_month: "pro Monat",
    stats_all_channels: "alle Kanäle",
    stats_show: "Anzeigen",
    stats_csv: "CSV herunterladen",
    stats_sent_chart: "Gesendete Nachrichten",
    stats_period: "Zeitraum",
    stats_sent: "gesendet",
    stats_delivered: "zugestellt",
    stats_failed: "fehlgeschlagen",
    stats_segments: "Teile",
    stats_total: "Summe",
    stats_today: "Heute",
    stats_this_month: "Dieser Monat",
    stats_more: "Zur Statistik",
};

pub static EN: Strings = Strings {
    language_name: "English",
    switch_language: "Language",
    tagline: "SMS and WhatsApp for your business",
    login_title: "Sign in",
    login_intro: "Sign in with your user name and password.",
    username: "User name",
    password: "Password",
    sign_in: "Sign in",
    sign_out: "Sign out",
    wrong_login: "Wrong user name or password.",
    too_many_attempts: "Too many sign-in attempts. Please wait a minute.",
    form_expired: "The form has expired. Please try again.",
    nav_dashboard: "Dashboard",
    nav_admin: "Admin area",
    nav_optins: "Opt-ins",
    nav_settings: "Settings",
    nav_sandbox: "Sandbox phone",
    signed_in_as: "Signed in as",
    dashboard_title: "Dashboard",
    dashboard_welcome: "Welcome back",
    recent_sends: "Recent sends",
    no_sends_yet: "No sends yet.",
    col_send: "Send",
    col_channel: "Channel",
    col_state: "State",
    col_messages: "Messages",
    col_created: "Created",
    admin_title: "Admin area",
    admin_intro: "Every account of this bote installation.",
    col_account: "Account",
    col_kind: "Kind",
    col_trial_ends: "Trial ends",
    not_found_title: "Not found",
    not_found_text: "There is no such page.",
    forbidden_text: "This page is for account managers only.",
    error_title: "Error",
    error_text: "Something went wrong. Please try again later.",
    back_home: "Back to the dashboard",
    nav_send: "Send",
    send_title: "Send a message",
    send_intro: "Choose the channel first, then text and recipients; the preview shows what will happen before anything goes out.",
    send_choose_channel: "Choose the channel",
    send_change_channel: "other channel",
    send_text: "Text",
    send_numbers: "Numbers (one per line)",
    send_preview: "Preview",
    send_accepted: "Messages",
    send_skipped: "Skipped",
    send_encoding: "Encoding",
    send_segments: "SMS parts per message",
    send_personalised: "template",
    send_chars: "Characters",
    send_now: "Send now",
    send_r19_warning: "recipients also have a number on the other channel: if this content also goes out there, they get it twice. Send it by one channel only (R19).",
    nav_contacts: "Contacts",
    nav_groups: "Groups",
    contacts_title: "Contacts",
    groups_title: "Groups",
    groups_intro: "Groups with their code (START <code>) and their number of members.",
    no_groups: "No groups yet.",
    group_new: "New group",
    group_create: "Create group",
    group_name_hint: "the code, when empty",
    group_delete_hint: "Deletes the group; its contacts stay.",
    no_contacts: "No contacts found.",
    col_name: "Name",
    col_code: "Code",
    col_members: "Members",
    search: "Search",
    group: "Group",
    all_groups: "all groups",
    new_contact: "New contact",
    edit_contact: "Edit contact",
    delete: "Delete",
    save: "Save",
    next_page: "Next page",
    first_name: "First name",
    last_name: "Last name",
    sms_number: "SMS number",
    whatsapp_number: "WhatsApp number",
    nav_stats: "Statistics",
    stats_title: "Statistics",
    stats_intro: "Messages per period and channel: WhatsApp beside SMS, voice and push.",
    stats_from: "From",
    stats_to: "To",
    stats_interval: "Period",
    stats_per_day: "per day",
    stats_per_month: "per month",
    stats_all_channels: "all channels",
    stats_show: "Show",
    stats_csv: "Download CSV",
    stats_sent_chart: "Messages sent",
    stats_period: "Period",
    stats_sent: "sent",
    stats_delivered: "delivered",
    stats_failed: "failed",
    stats_segments: "segments",
    stats_total: "Total",
    stats_today: "Today",
    stats_this_month: "This month",
    stats_more: "All statistics",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported() {
        assert_eq!(from_accept_language("en-GB,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            from_accept_language("fr, de-AT;q=0.8, en;q=0.5"),
            Some(Lang::De)
        );
        assert_eq!(from_accept_language("en;q=0.4, de;q=0.9"), Some(Lang::De));
        assert_eq!(from_accept_language("fr, it"), None);
        assert_eq!(from_accept_language("de;q=0"), None);
    }
}
