//! Activating the add-on: the expected date in working days (R3), counted from the day of
//! activation in the account's time zone, and the refusal to move up from small in place
//! (R3), for the CLI and the API alike.

use bote_domain::{AccountId, Package, UserId, expected_ready};
use bote_store::{Activated, Activation, ConsentSource, SourceKind, Store, StoreError};
use chrono::Utc;

use crate::accounts::zone_of;

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

/// Activates the add-on of `account` with `package`, or changes its package;
/// `default_zone` is the server's, for an account without a time zone of its own.
pub async fn activate(
    store: &dyn Store,
    default_zone: chrono_tz::Tz,
    account: AccountId,
    package: Package,
    by: Option<UserId>,
    reset_opt_ins: bool,
) -> Result<Activated, ActivateError> {
    let time_zone = zone_of(
        &store.account(account).await.map_err(ActivateError::Store)?,
        default_zone,
    );
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
        let revoked = reset_opt_ins_for(store, account, package, by)
            .await
            .map_err(ActivateError::Store)?;
        tracing::warn!(
            account = account.0,
            package = %package,
            revoked,
            "WhatsApp package moved up from small: every opt-in revoked, recipients opt in again (R3)"
        );
    }
    Ok(done)
}

/// R3: moving up from small is no upgrade in place — every opt-in of the account is revoked
/// (each with its ledger entry naming why) and recipients opt in again.
async fn reset_opt_ins_for(
    store: &dyn Store,
    account: AccountId,
    package: Package,
    by: Option<UserId>,
) -> Result<u64, StoreError> {
    let mut revoked = 0;
    loop {
        // Revoking removes an opt-in from the list: the first page is always the rest.
        let page = store.list_opt_ins(account, None, 500).await?;
        if page.items.is_empty() {
            return Ok(revoked);
        }
        for opt_in in page.items {
            let source = ConsentSource {
                kind: SourceKind::User,
                reference: by.map(|u| format!("user {}", u.0)),
                text: Some(format!(
                    "package moved up from small to {package}: recipients opt in again (R3)"
                )),
                business_number: opt_in.business_number.clone(),
            };
            if store.revoke_opt_in(account, &opt_in.number, source).await? {
                revoked += 1;
            }
        }
    }
}
