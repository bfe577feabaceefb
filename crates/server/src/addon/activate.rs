//! Activating the add-on: the expected date in working days (R3) and the refusal to move
//! up from small in place (R3), for the CLI and the API alike.

use bote_domain::{AccountId, Package, UserId, expected_ready};
use bote_store::{Activated, Activation, Store, StoreError};
use chrono::Utc;

#[derive(Debug, thiserror::Error)]
pub enum ActivateError {
    #[error(
        "the account has the small package: moving up to {to} cannot be done in place, \
         recipients must opt in again (R3); repeat with reset_opt_ins (--reset-opt-ins) to \
         accept that"
    )]
    UpgradeNeedsNewOptIns { to: Package },
    #[error(transparent)]
    Store(StoreError),
}

/// Activates the add-on of `account` with `package`, or changes its package.
pub async fn activate(
    store: &dyn Store,
    time_zone: chrono_tz::Tz,
    account: AccountId,
    package: Package,
    by: Option<UserId>,
    reset_opt_ins: bool,
) -> Result<Activated, ActivateError> {
    let now = Utc::now();
    let activation = Activation {
        account,
        package,
        activated_by: by,
        activated_at: now,
        expected_on: expected_ready(now, package, &time_zone),
        reset_opt_ins,
    };
    let done = store
        .activate_whatsapp(activation)
        .await
        .map_err(|e| match e {
            StoreError::Conflict {
                what: "whatsapp package",
                ..
            } => ActivateError::UpgradeNeedsNewOptIns { to: package },
            other => ActivateError::Store(other),
        })?;
    if done.opt_ins_must_reset {
        tracing::warn!(
            account = account.0,
            package = %package,
            "WhatsApp package moved up from small: every opt-in must be given again (R3)"
        );
    }
    Ok(done)
}
