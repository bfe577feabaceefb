//! Who gets an account's emails: its owners, each at their own email address, or — for an
//! owner without one — at their user name when that is an email address.

use bote_domain::{AccountId, UserRole};
use bote_store::{Store, User};
use lettre::message::Mailbox;

/// The account's owners that can be written to, by address.
pub async fn owner_addresses(
    store: &dyn Store,
    account: AccountId,
) -> anyhow::Result<Vec<Mailbox>> {
    let users = store.list_users(account).await?;
    Ok(users
        .iter()
        .filter(|u| u.role == UserRole::Owner)
        .filter_map(address_of)
        .map(|address| Mailbox::new(None, address))
        .collect())
}

/// The user's own address, else the user name if it is one.
fn address_of(user: &User) -> Option<lettre::Address> {
    match &user.email {
        Some(email) => email.parse().ok(),
        None => user.username.trim().parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use bote_domain::UserId;

    use super::*;

    fn owner(username: &str, email: Option<&str>) -> User {
        User {
            id: UserId(1),
            account_id: Some(AccountId(1)),
            username: username.into(),
            role: UserRole::Owner,
            email: email.map(str::to_owned),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn the_own_address_comes_first_then_an_address_as_user_name() {
        let both = owner("chef@laden.example", Some("anna@laden.example"));
        assert_eq!(address_of(&both).unwrap().to_string(), "anna@laden.example");
        let named = owner("chef@laden.example", None);
        assert_eq!(
            address_of(&named).unwrap().to_string(),
            "chef@laden.example"
        );
        assert_eq!(address_of(&owner("chef", None)), None);
        let own = owner("chef", Some("anna@laden.example"));
        assert_eq!(address_of(&own).unwrap().to_string(), "anna@laden.example");
    }
}
