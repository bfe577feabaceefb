//! Sending one kind of email to an account once.

use std::sync::Arc;
use std::time::Duration;

use bote_domain::AccountId;
use bote_store::{AddonState, MailKind, Store};

use super::{Email, Mailer, activation_email, owner_addresses, trial_email};

/// What [`send_once`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOnce {
    /// Sent to these addresses, and recorded.
    Sent(Vec<String>),
    /// Recorded before: nothing sent.
    AlreadySent,
    /// Nothing to say (no add-on, no trial) or nobody to say it to: nothing sent or kept,
    /// so a later owner or activation is written to.
    Nothing,
}

/// Tries after a failed activation email, before the periodic check takes over.
pub const ACTIVATION_RETRIES: [Duration; 3] = [
    Duration::from_secs(10),
    Duration::from_secs(60),
    Duration::from_secs(600),
];

async fn compose(
    store: &dyn Store,
    account: AccountId,
    kind: MailKind,
    public_base: &str,
) -> anyhow::Result<Option<Email>> {
    let a = store.account(account).await?;
    Ok(match kind {
        MailKind::WhatsappActivated => match store.whatsapp_addon(account).await? {
            None => None,
            Some(addon) => {
                let widget = store.widget(account).await?;
                let url = crate::widget::page_url(public_base, &widget.public_id);
                let pending = (addon.state == AddonState::Pending).then_some(addon.expected_on);
                Some(activation_email(
                    &a.name,
                    addon.package.as_str(),
                    &url,
                    pending,
                ))
            }
        },
        MailKind::TrialEnding => a.trial_ends_at.map(|end| trial_email(&a.name, end)),
    })
}

/// Sends the email of `kind` to the account's owners unless it went out before, and
/// records it once the SMTP server took it.
pub async fn send_once(
    store: &dyn Store,
    mailer: &Mailer,
    account: AccountId,
    kind: MailKind,
    public_base: &str,
) -> anyhow::Result<SendOnce> {
    if store.mail_sent(account, kind).await?.is_some() {
        return Ok(SendOnce::AlreadySent);
    }
    let Some(email) = compose(store, account, kind, public_base).await? else {
        return Ok(SendOnce::Nothing);
    };
    let to = owner_addresses(store, account).await?;
    if to.is_empty() {
        tracing::info!(
            ?account,
            kind = kind.as_str(),
            "no owner with an email address"
        );
        return Ok(SendOnce::Nothing);
    }
    mailer.send(&to, &email).await?;
    let addresses: Vec<String> = to.iter().map(|m| m.email.to_string()).collect();
    store.record_mail(account, kind, &addresses).await?;
    tracing::info!(?account, kind = kind.as_str(), "email sent");
    Ok(SendOnce::Sent(addresses))
}

/// After an account manager activated WhatsApp: sends the widget link in the background,
/// retrying a few times; never blocks or fails the activation. Without SMTP it does nothing.
pub fn after_activation(
    store: Arc<dyn Store>,
    mailer: Option<Arc<Mailer>>,
    account: AccountId,
    public_base: String,
) {
    let Some(mailer) = mailer else {
        return;
    };
    tokio::spawn(async move {
        let mut waits = ACTIVATION_RETRIES.iter();
        loop {
            let kind = MailKind::WhatsappActivated;
            match send_once(store.as_ref(), &mailer, account, kind, &public_base).await {
                Ok(_) => return,
                Err(e) => match waits.next() {
                    Some(wait) => {
                        tracing::warn!(?account, error = %format!("{e:#}"), retry_in = ?wait, "activation email failed");
                        tokio::time::sleep(*wait).await;
                    }
                    None => {
                        tracing::warn!(?account, error = %format!("{e:#}"), "activation email failed; the periodic check tries again");
                        return;
                    }
                },
            }
        }
    });
}
