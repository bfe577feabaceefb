//! Web sessions: kept by hash, found until they expire, ended by logout and purge.

use std::sync::Arc;

use bote_domain::{UserId, UserRole};
use chrono::{Duration, SubsecRound, Utc};

use super::support::*;
use crate::{NewUser, NewWebSession, Store};

fn session(hash: &str, user: UserId, minutes: i64) -> NewWebSession {
    NewWebSession {
        id_hash: hash.into(),
        user,
        expires_at: (Utc::now() + Duration::minutes(minutes)).trunc_subsecs(0),
    }
}

async fn user(store: &dyn Store, name: &str, role: UserRole) -> crate::User {
    let account = match role {
        UserRole::AccountManager => None,
        _ => Some(account(store, &format!("{name} GmbH")).await),
    };
    store
        .create_user(NewUser {
            account_id: account,
            username: name.into(),
            role,
            password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1${name}"),
            email: None,
        })
        .await
        .expect("create user")
}

pub async fn web_sessions_are_found_by_hash_until_they_expire(store: Arc<dyn Store>) {
    let anna = user(store.as_ref(), "anna", UserRole::Owner).await;
    let manager = user(store.as_ref(), "max", UserRole::AccountManager).await;
    let now = Utc::now();

    let kept = store
        .create_web_session(session("aa11", anna.id, 60))
        .await
        .unwrap();
    assert_eq!(kept.user, anna);
    assert!(kept.created_at <= kept.expires_at);
    let found = store.web_session("aa11", now).await.unwrap();
    assert_eq!(found, kept);

    // An account manager's session carries no account.
    store
        .create_web_session(session("bb22", manager.id, 60))
        .await
        .unwrap();
    let theirs = store.web_session("bb22", now).await.unwrap();
    assert_eq!(theirs.user.account_id, None);
    assert_eq!(theirs.user.role, UserRole::AccountManager);

    // Unknown hashes and sessions past their expiry are not found.
    assert_not_found(store.web_session("cc33", now).await);
    assert_not_found(store.web_session("aa11", kept.expires_at).await);
    assert_not_found(
        store
            .web_session("aa11", kept.expires_at + Duration::seconds(1))
            .await,
    );

    // The same hash twice is a conflict; an unknown user is refused.
    assert_conflict(
        store.create_web_session(session("aa11", anna.id, 60)).await,
        "web session",
        "aa11",
    );
    let ghost = UserId(anna.id.0 + 1000);
    assert_unknown(
        store.create_web_session(session("dd44", ghost, 60)).await,
        "user",
        &ghost.to_string(),
    );
}

pub async fn web_sessions_end_by_logout_and_purge(store: Arc<dyn Store>) {
    let anna = user(store.as_ref(), "anna", UserRole::Owner).await;
    let now = Utc::now();
    store
        .create_web_session(session("live", anna.id, 60))
        .await
        .unwrap();
    store
        .create_web_session(session("gone", anna.id, -1))
        .await
        .unwrap();
    store
        .create_web_session(session("out", anna.id, 60))
        .await
        .unwrap();

    store.delete_web_session("out").await.unwrap();
    store.delete_web_session("out").await.unwrap();
    assert_not_found(store.web_session("out", now).await);

    assert_eq!(store.purge_web_sessions(now).await.unwrap(), 1);
    assert_eq!(store.purge_web_sessions(now).await.unwrap(), 0);
    assert!(store.web_session("live", now).await.is_ok());
    assert_not_found(store.web_session("gone", now - Duration::hours(1)).await);
}
