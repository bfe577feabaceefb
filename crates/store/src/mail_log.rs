//! Which emails an account was sent: each kind goes out once per account, and the record
//! is written once the SMTP server took the message, so a failed attempt is tried again.

use bote_domain::AccountId;
use chrono::{DateTime, Utc};

use crate::StoreResult;

/// The emails bote sends to an account's owners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailKind {
    /// WhatsApp was activated: the link to the opt-in widget (R8).
    WhatsappActivated,
    /// The test account's trial ends soon (R5).
    TrialEnding,
}

impl MailKind {
    pub const ALL: [MailKind; 2] = [MailKind::WhatsappActivated, MailKind::TrialEnding];

    pub fn as_str(&self) -> &'static str {
        match self {
            MailKind::WhatsappActivated => "whatsapp_activated",
            MailKind::TrialEnding => "trial_ending",
        }
    }
}

#[async_trait::async_trait]
pub trait MailLogStore: Send + Sync {
    /// When the email of `kind` went to the account, if it did.
    async fn mail_sent(
        &self,
        account: AccountId,
        kind: MailKind,
    ) -> StoreResult<Option<DateTime<Utc>>>;
    /// Records that it went to `recipients`; false (and nothing changed) when it had been
    /// recorded before.
    async fn record_mail(
        &self,
        account: AccountId,
        kind: MailKind,
        recipients: &[String],
    ) -> StoreResult<bool>;
}
