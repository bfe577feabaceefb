//! Emails to account owners: recorded once per account and kind.

use std::sync::Arc;

use bote_domain::AccountId;

use super::support::*;
use crate::{MailKind, Store};

pub async fn account_mails_are_recorded_once_per_kind(store: Arc<dyn Store>) {
    let acme = account(store.as_ref(), "acme").await;
    let beta = account(store.as_ref(), "beta").await;
    assert_eq!(
        store
            .mail_sent(acme, MailKind::WhatsappActivated)
            .await
            .unwrap(),
        None
    );
    let to = vec!["owner@acme.example".to_owned()];
    assert!(
        store
            .record_mail(acme, MailKind::WhatsappActivated, &to)
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_mail(acme, MailKind::WhatsappActivated, &to)
            .await
            .unwrap(),
        "once per account and kind"
    );
    let at = store
        .mail_sent(acme, MailKind::WhatsappActivated)
        .await
        .unwrap()
        .expect("recorded");
    assert!(at <= chrono::Utc::now());
    assert_eq!(
        store.mail_sent(acme, MailKind::TrialEnding).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .mail_sent(beta, MailKind::WhatsappActivated)
            .await
            .unwrap(),
        None
    );
    assert_not_found(
        store
            .record_mail(AccountId(987_654), MailKind::TrialEnding, &to)
            .await,
    );
}
