//! The widget card both the public page and the settings preview show.

use bote_store::WidgetLook;

use crate::widget::WidgetTexts;
use crate::widget::texts::Labels;

pub struct Card {
    pub texts: WidgetTexts,
    pub labels: &'static Labels,
    pub logo_url: Option<String>,
    /// Where the form posts.
    pub action: String,
    /// The number as typed, shown again after an error.
    pub number: String,
    pub error: Option<&'static str>,
    /// The visitor's request went through: show the "check your phone" note.
    pub sent: bool,
    /// On the settings page: the button does not submit.
    pub preview: bool,
}

impl Card {
    pub fn new(look: &WidgetLook, business: &str, action: String) -> Card {
        let texts = WidgetTexts::of(look, business);
        let labels = texts.labels();
        Card {
            texts,
            labels,
            logo_url: look.logo_url.clone(),
            action,
            number: String::new(),
            error: None,
            sent: false,
            preview: false,
        }
    }
}
