//! First start: a demo account with an owner, an API token, two business numbers and the
//! WhatsApp add-on (medium), and an account manager, so a newcomer can log in and try the
//! sandbox loop at once. Runs only while the store holds no account.

use bote_domain::{AccountKind, ChannelKind, Package, TokenScope, UserRole};
use bote_store::{NewBusinessNumber, Store};

use crate::accounts::{add_user, create_account, create_token};
use crate::auth::generate_password;

pub const DEMO_ACCOUNT: &str = "demo";
pub const DEMO_OWNER: &str = "demo";
pub const ADMIN_USER: &str = "admin";
/// The demo account's business numbers, for the sandbox handset (`bote sandbox inbound`).
pub const DEMO_WHATSAPP_NUMBER: &str = "+43800100100";
pub const DEMO_SMS_SHORT_CODE: &str = "0828";

/// What was created, with the secrets to print once.
pub struct FirstStart {
    pub owner_password: String,
    pub admin_password: String,
    pub token: String,
}

/// The demo account's WhatsApp package (R1: activated as an account manager would).
pub const DEMO_PACKAGE: Package = Package::Medium;

pub async fn bootstrap(
    store: &dyn Store,
    default_zone: chrono_tz::Tz,
) -> anyhow::Result<Option<FirstStart>> {
    if !store.list_accounts().await?.is_empty() {
        return Ok(None);
    }
    let account = create_account(store, DEMO_ACCOUNT, AccountKind::Business, None, None).await?;
    let owner_password = generate_password();
    add_user(
        store,
        Some(account.id),
        DEMO_OWNER,
        owner_password.clone(),
        UserRole::Owner,
        None,
    )
    .await?;
    let admin_password = generate_password();
    add_user(
        store,
        None,
        ADMIN_USER,
        admin_password.clone(),
        UserRole::AccountManager,
        None,
    )
    .await?;
    let (_, token) = create_token(store, account.id, "demo", TokenScope::Full).await?;
    store
        .add_business_number(
            account.id,
            NewBusinessNumber::plain(ChannelKind::Whatsapp, DEMO_WHATSAPP_NUMBER),
        )
        .await?;
    store
        .add_business_number(
            account.id,
            NewBusinessNumber::plain(ChannelKind::Sms, DEMO_SMS_SHORT_CODE),
        )
        .await?;
    crate::addon::activate(store, default_zone, account.id, DEMO_PACKAGE, None, false)
        .await
        .map_err(|e| anyhow::anyhow!("activating the demo account's WhatsApp: {e}"))?;
    Ok(Some(FirstStart {
        owner_password,
        admin_password,
        token,
    }))
}
