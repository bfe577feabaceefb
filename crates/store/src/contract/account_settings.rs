//! An account's own time zone and a user's email address: kept as given, read back by
//! every query that returns the account or the user, changed and cleared one row at a time.

use std::sync::Arc;

use bote_domain::{AccountId, AccountKind, UserId, UserRole};
use chrono::{Duration, Utc};
use chrono_tz::{America, Asia};

use super::support::*;
use crate::{NewAccount, NewUser, NewWebSession, Store};

pub async fn account_time_zones_are_kept_changed_and_cleared(store: Arc<dyn Store>) {
    let india = store
        .create_account(NewAccount {
            name: "Chai".into(),
            kind: AccountKind::Business,
            trial_ends_at: None,
            verified_number: None,
            time_zone: Some(Asia::Kolkata),
        })
        .await
        .unwrap();
    assert_eq!(india.time_zone, Some(Asia::Kolkata));
    let vienna = account(&*store, "Kaffee").await;
    assert_eq!(store.account(vienna).await.unwrap().time_zone, None);
    assert_eq!(store.account(india.id).await.unwrap(), india);
    assert_eq!(store.account_by_name("Chai").await.unwrap(), india);

    let moved = store
        .set_account_time_zone(vienna, Some(America::New_York))
        .await
        .unwrap();
    assert_eq!(moved.id, vienna);
    assert_eq!(moved.name, "Kaffee");
    assert_eq!(moved.time_zone, Some(America::New_York));
    assert_eq!(store.account(vienna).await.unwrap(), moved);
    assert_eq!(
        store.account(india.id).await.unwrap().time_zone,
        Some(Asia::Kolkata),
        "the other account keeps its zone"
    );

    let cleared = store.set_account_time_zone(india.id, None).await.unwrap();
    assert_eq!(cleared.time_zone, None, "back to the server's default");
    let zones: Vec<_> = store
        .list_accounts()
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.name, a.time_zone))
        .collect();
    assert_eq!(
        zones,
        vec![
            ("Chai".to_owned(), None),
            ("Kaffee".to_owned(), Some(America::New_York))
        ]
    );

    assert_not_found(
        store
            .set_account_time_zone(AccountId(india.id.0 + 1000), Some(Asia::Kolkata))
            .await,
    );
}

pub async fn user_emails_are_kept_changed_and_cleared(store: Arc<dyn Store>) {
    let a = account(&*store, "A").await;
    let new_user = |name: &str, email: Option<&str>| NewUser {
        account_id: Some(a),
        username: name.into(),
        role: UserRole::Owner,
        password_hash: "$argon2id$x".into(),
        email: email.map(str::to_owned),
    };
    let anna = store
        .create_user(new_user("anna", Some("anna@laden.example")))
        .await
        .unwrap();
    assert_eq!(anna.email.as_deref(), Some("anna@laden.example"));
    let bert = store.create_user(new_user("bert", None)).await.unwrap();
    assert_eq!(bert.email, None);
    assert_eq!(store.user_credentials("anna").await.unwrap().user, anna);

    let changed = store
        .set_user_email(bert.id, Some("bert@laden.example"))
        .await
        .unwrap();
    assert_eq!(changed.id, bert.id);
    assert_eq!(changed.username, "bert");
    assert_eq!(changed.email.as_deref(), Some("bert@laden.example"));
    assert_eq!(
        store.list_users(a).await.unwrap(),
        vec![anna.clone(), changed.clone()],
        "anna keeps hers"
    );

    // The logged-in user of a web session carries the address too.
    let session = store
        .create_web_session(NewWebSession {
            id_hash: "e".repeat(64),
            user: bert.id,
            expires_at: Utc::now() + Duration::hours(1),
        })
        .await
        .unwrap();
    assert_eq!(session.user, changed);
    assert_eq!(
        store
            .web_session(&"e".repeat(64), Utc::now())
            .await
            .unwrap()
            .user,
        changed
    );

    let cleared = store.set_user_email(anna.id, None).await.unwrap();
    assert_eq!(cleared.email, None);
    assert_eq!(
        store.user_credentials("anna").await.unwrap().user.email,
        None
    );
    assert_not_found(
        store
            .set_user_email(UserId(bert.id.0 + 1000), Some("x@y.example"))
            .await,
    );
}
