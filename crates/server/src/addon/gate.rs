//! R1 in the sending path: WhatsApp goes out only from an account whose add-on is active.

use bote_domain::{AccountKind, Package};
use bote_store::{Account, AddonState, AddonStore, StoreError};
use chrono::NaiveDate;

/// Why an account may not send WhatsApp yet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotActive {
    #[error(
        "WhatsApp is not activated for this account: an account manager activates WhatsApp \
         (R1)"
    )]
    NotActivated,
    #[error(
        "WhatsApp is pending: the {package} package is being set up and expected to be \
         ready on {expected_on} (R3); it becomes active when its WhatsApp business number is \
         registered (R4)"
    )]
    Pending {
        package: Package,
        expected_on: NaiveDate,
    },
}

/// `Ok` when `account` may send WhatsApp: its add-on is active, or it is a test account
/// (R5 includes WhatsApp; its trial is checked before).
pub async fn require_whatsapp<S>(
    store: &S,
    account: &Account,
) -> Result<Result<(), NotActive>, StoreError>
where
    S: AddonStore + ?Sized,
{
    if account.kind == AccountKind::Test {
        return Ok(Ok(()));
    }
    Ok(match store.whatsapp_addon(account.id).await? {
        Some(addon) if addon.state == AddonState::Active => Ok(()),
        Some(addon) => Err(NotActive::Pending {
            package: addon.package,
            expected_on: addon.expected_on,
        }),
        None => Err(NotActive::NotActivated),
    })
}
