//! The opt-in widget of an account (R8): its public id, used in the hosted page's URL, and
//! its look. A widget exists for every account from the first time it is asked for; its
//! public id is random, so the URL tells nothing about the account and cannot be guessed.
//!
//! A visitor's request is kept in the consent ledger ([`WidgetStore::record_widget_request`])
//! with the consent text the widget showed: the opt-in itself comes later, from the
//! person's first WhatsApp message (R7), and the ledger of the number shows both.

use bote_domain::{AccountId, PhoneNumber};
use serde::{Deserialize, Serialize};

use crate::{ConsentSource, StoreResult};

/// How the widget looks. Texts left `None` show the default of the widget's language.
/// Kept as JSON; the server validates values before saving them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WidgetLook {
    /// `de` or `en`.
    pub language: String,
    pub title: Option<String>,
    pub intro: Option<String>,
    /// The consent text shown beside the button; recorded with every request.
    pub consent_text: Option<String>,
    pub button: Option<String>,
    /// Colours as `#rrggbb`.
    pub primary_color: String,
    pub background_color: String,
    pub text_color: String,
    /// An `https://` address of the business's logo.
    pub logo_url: Option<String>,
}

impl Default for WidgetLook {
    fn default() -> Self {
        WidgetLook {
            language: "de".into(),
            title: None,
            intro: None,
            consent_text: None,
            button: None,
            primary_color: "#0f766e".into(),
            background_color: "#ffffff".into(),
            text_color: "#1f2937".into(),
            logo_url: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Widget {
    pub account: AccountId,
    /// The random id in the widget's URL (`/w/{public_id}`).
    pub public_id: String,
    pub look: WidgetLook,
}

#[async_trait::async_trait]
pub trait WidgetStore: Send + Sync {
    /// The account's widget, created with the default look and a new random public id the
    /// first time. `NotFound("account")` for an unknown account.
    async fn widget(&self, account: AccountId) -> StoreResult<Widget>;
    /// The widget with this public id, if any.
    async fn widget_by_public_id(&self, public_id: &str) -> StoreResult<Option<Widget>>;
    /// Saves the account's look (creating the widget when needed).
    async fn set_widget_look(&self, account: AccountId, look: &WidgetLook) -> StoreResult<Widget>;
    /// Appends a `widget_request` entry to the number's consent ledger: an SMS with the
    /// business's WhatsApp number went out because a visitor asked on the widget (R8).
    /// `source.text` is the consent text the widget showed, `source.reference` the send.
    async fn record_widget_request(
        &self,
        account: AccountId,
        number: &PhoneNumber,
        source: ConsentSource,
    ) -> StoreResult<()>;
}
