//! The periodic email check: reminders before trials end (R5), and activation emails that
//! have not gone out yet (a failed send, or an activation from the command line).

use std::sync::Arc;
use std::time::Duration;

use bote_domain::AccountKind;
use bote_store::{MailKind, Store};
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::{Mailer, SendOnce, send_once};

/// How often the check runs: at least daily as the trial reminder needs, hourly so that a
/// failed email is tried again within the hour.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(3600);

/// How long before a trial ends its reminder goes out.
pub const TRIAL_REMINDER_BEFORE: chrono::Duration = chrono::Duration::days(3);

/// Activations this recent still get their email when it has not gone out; older ones
/// (from before bote sent emails) are left alone.
const ACTIVATION_CATCH_UP: chrono::Duration = chrono::Duration::days(7);

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    pub sent: usize,
    pub failed: usize,
}

pub struct MailCheck {
    pub store: Arc<dyn Store>,
    pub mailer: Arc<Mailer>,
    pub public_base: String,
}

impl MailCheck {
    /// One pass over every account at `now`.
    pub async fn run_once(&self, now: DateTime<Utc>) -> anyhow::Result<CheckReport> {
        let mut report = CheckReport::default();
        for account in self.store.list_accounts().await? {
            let mut due = Vec::new();
            if account.kind == AccountKind::Test
                && account
                    .trial_ends_at
                    .is_some_and(|end| end > now && end - now <= TRIAL_REMINDER_BEFORE)
            {
                due.push(MailKind::TrialEnding);
            }
            if let Some(addon) = self.store.whatsapp_addon(account.id).await?
                && now - addon.activated_at <= ACTIVATION_CATCH_UP
            {
                due.push(MailKind::WhatsappActivated);
            }
            for kind in due {
                let sent = send_once(
                    self.store.as_ref(),
                    &self.mailer,
                    account.id,
                    kind,
                    &self.public_base,
                )
                .await;
                match sent {
                    Ok(SendOnce::Sent(_)) => report.sent += 1,
                    Ok(_) => {}
                    Err(e) => {
                        report.failed += 1;
                        tracing::warn!(account = ?account.id, kind = kind.as_str(), error = %format!("{e:#}"), "email failed; tried again at the next check");
                    }
                }
            }
        }
        Ok(report)
    }

    /// Runs the check at start and then every [`CHECK_INTERVAL`] until `token` is cancelled.
    pub async fn run(self: Arc<Self>, token: CancellationToken) {
        loop {
            if let Err(e) = self.run_once(Utc::now()).await {
                tracing::warn!(error = %format!("{e:#}"), "email check failed");
            }
            tokio::select! {
                () = token.cancelled() => return,
                () = tokio::time::sleep(CHECK_INTERVAL) => {}
            }
        }
    }
}
