//! Accounts, users and API tokens.

use std::sync::Arc;

use bote_domain::{AccountKind, TokenId, TokenScope, UserId, UserRole};
use chrono::{Duration, SubsecRound, Utc};

use super::support::*;
use crate::{NewAccount, NewToken, NewUser, Store};

fn token(account: bote_domain::AccountId, name: &str, hash: &str) -> NewToken {
    NewToken {
        account_id: account,
        name: name.into(),
        scope: TokenScope::Send,
        prefix: format!("bote_{}", &hash[..4]),
        hash: hash.into(),
    }
}

fn user(account: Option<bote_domain::AccountId>, name: &str, role: UserRole) -> NewUser {
    NewUser {
        account_id: account,
        username: name.into(),
        role,
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1${name}"),
        email: None,
    }
}

pub async fn accounts_are_created_found_and_listed(store: Arc<dyn Store>) {
    let before = Utc::now() - Duration::seconds(5);
    let business = store
        .create_account(NewAccount {
            name: "Gasthaus Adler".into(),
            kind: AccountKind::Business,
            trial_ends_at: None,
            verified_number: None,
            time_zone: None,
        })
        .await
        .unwrap();
    assert_eq!(business.name, "Gasthaus Adler");
    assert_eq!(business.kind, AccountKind::Business);
    assert_eq!(business.trial_ends_at, None);
    assert_eq!(business.verified_number, None);
    assert!(
        business.created_at > before && business.created_at < Utc::now() + Duration::seconds(5)
    );

    let trial_end = (Utc::now() + Duration::days(14)).trunc_subsecs(0);
    let test = store
        .create_account(NewAccount {
            name: "Probe".into(),
            kind: AccountKind::Test,
            trial_ends_at: Some(trial_end),
            verified_number: Some(parsed("0676 1234567")),
            time_zone: None,
        })
        .await
        .unwrap();
    assert_eq!(test.kind, AccountKind::Test);
    assert_eq!(test.trial_ends_at, Some(trial_end));
    assert_eq!(test.verified_number, Some(parsed("+436761234567")));
    assert_ne!(test.id, business.id);

    assert_eq!(store.account(business.id).await.unwrap(), business);
    assert_eq!(store.account(test.id).await.unwrap(), test);
    assert_eq!(store.account_by_name("Probe").await.unwrap(), test);
    assert_eq!(
        store.list_accounts().await.unwrap(),
        vec![business.clone(), test.clone()]
    );

    assert_not_found(
        store
            .account(bote_domain::AccountId(test.id.0 + 1000))
            .await,
    );
    assert_not_found(store.account_by_name("Nobody").await);
}

pub async fn account_names_are_unique(store: Arc<dyn Store>) {
    account(&*store, "Adler").await;
    let again = store
        .create_account(NewAccount {
            name: "Adler".into(),
            kind: AccountKind::Test,
            trial_ends_at: None,
            verified_number: None,
            time_zone: None,
        })
        .await;
    assert_conflict(again, "account name", "Adler");
    assert_eq!(store.list_accounts().await.unwrap().len(), 1);
}

pub async fn users_log_in_and_are_listed_per_account(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let owner = store
        .create_user(user(Some(a), "anna", UserRole::Owner))
        .await
        .unwrap();
    assert_eq!(owner.account_id, Some(a));
    assert_eq!(owner.username, "anna");
    assert_eq!(owner.role, UserRole::Owner);
    let member = store
        .create_user(user(Some(a), "bert", UserRole::Member))
        .await
        .unwrap();
    let manager = store
        .create_user(user(None, "mgr", UserRole::AccountManager))
        .await
        .unwrap();
    assert_eq!(manager.account_id, None);
    assert_eq!(manager.role, UserRole::AccountManager);

    let login = store.user_credentials("anna").await.unwrap();
    assert_eq!(login.user, owner);
    assert_eq!(login.password_hash, "$argon2id$v=19$m=19456,t=2,p=1$anna");
    let login = store.user_credentials("mgr").await.unwrap();
    assert_eq!(login.user, manager);
    assert_not_found(store.user_credentials("nobody").await);

    store.set_password(owner.id, "$argon2id$new").await.unwrap();
    assert_eq!(
        store.user_credentials("anna").await.unwrap().password_hash,
        "$argon2id$new"
    );
    assert_eq!(
        store.user_credentials("bert").await.unwrap().password_hash,
        "$argon2id$v=19$m=19456,t=2,p=1$bert"
    );
    assert_not_found(store.set_password(UserId(manager.id.0 + 1000), "x").await);

    // Account managers belong to no account, so no account lists them.
    assert_eq!(store.list_users(a).await.unwrap(), vec![owner, member]);
}

pub async fn usernames_are_unique(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    store
        .create_user(user(Some(a), "anna", UserRole::Owner))
        .await
        .unwrap();
    // Usernames are global: another account cannot take the name either.
    assert_conflict(
        store
            .create_user(user(Some(b), "anna", UserRole::Owner))
            .await,
        "username",
        "anna",
    );
    assert_conflict(
        store
            .create_user(user(None, "anna", UserRole::AccountManager))
            .await,
        "username",
        "anna",
    );
    assert!(store.list_users(b).await.unwrap().is_empty());
}

pub async fn tokens_are_found_by_hash_until_revoked(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let hash = "a".repeat(64);
    let created = store.create_token(token(a, "shop", &hash)).await.unwrap();
    assert_eq!(created.account_id, a);
    assert_eq!(created.name, "shop");
    assert_eq!(created.scope, TokenScope::Send);
    assert_eq!(created.prefix, "bote_aaaa");
    assert_eq!(created.revoked_at, None);
    let other = store
        .create_token(token(a, "crm", &"b".repeat(64)))
        .await
        .unwrap();

    assert_eq!(store.active_token_by_hash(&hash).await.unwrap(), created);
    assert_eq!(store.token_by_hash(&hash).await.unwrap(), created);
    assert_not_found(store.active_token_by_hash(&"c".repeat(64)).await);
    assert_not_found(store.token_by_hash(&"c".repeat(64)).await);
    assert_eq!(
        store.list_tokens(a).await.unwrap(),
        vec![created.clone(), other.clone()]
    );

    let revoked = store.revoke_token(a, created.id).await.unwrap();
    assert_eq!(revoked.id, created.id);
    let revoked_at = revoked.revoked_at.expect("revoked_at is set");
    assert!(revoked_at >= created.created_at);
    assert_not_found(store.active_token_by_hash(&hash).await);
    assert_eq!(store.token_by_hash(&hash).await.unwrap(), revoked);
    // Revoking twice is fine and keeps the first time.
    let again = store.revoke_token(a, created.id).await.unwrap();
    assert_eq!(again.revoked_at, Some(revoked_at));
    // The other token is untouched.
    assert_eq!(
        store.active_token_by_hash(&"b".repeat(64)).await.unwrap(),
        other
    );
    assert_eq!(store.list_tokens(a).await.unwrap(), vec![revoked, other]);

    assert_not_found(store.revoke_token(a, TokenId(created.id.0 + 1000)).await);
}

pub async fn store_migrates_again_and_pings(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    store.migrate().await.expect("migrating twice is fine");
    store.ping().await.unwrap();
    assert!(
        ["sqlite", "postgres"].contains(&store.backend()),
        "{}",
        store.backend()
    );
    assert_eq!(store.account(a).await.unwrap().name, "A");
}
