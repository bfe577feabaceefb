//! Who gets an account's emails: its owners. A user has no address of its own; an owner
//! whose user name is an email address gets the account's emails.

use bote_domain::{AccountId, UserRole};
use bote_store::Store;
use lettre::message::Mailbox;

/// The account's owners that can be written to, by address.
pub async fn owner_addresses(
    store: &dyn Store,
    account: AccountId,
) -> anyhow::Result<Vec<Mailbox>> {
    let users = store.list_users(account).await?;
    Ok(users
        .into_iter()
        .filter(|u| u.role == UserRole::Owner)
        .filter_map(|u| u.username.trim().parse::<lettre::Address>().ok())
        .map(|address| Mailbox::new(None, address))
        .collect())
}
