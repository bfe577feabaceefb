//! The outbox contract: sends, claims, outcomes, receipts and callbacks.
//!
//! The tests are generic over any store with both [`Store`] and [`OutboxStore`] (a concrete
//! store or `dyn Store`): a back end's `tests/outbox_contract.rs` calls
//! [`outbox_contract_tests!`](crate::outbox_contract_tests) with an async expression that
//! yields a fresh, migrated `Arc` of its store.
//!
//! Times handed to claims are the test's own (`now` and leases are the caller's); a message
//! accepted without a schedule is due at the database's `now`, so tests claim at
//! `later(1)` or after.

#[path = "outbox_accept.rs"]
mod accept;
#[path = "outbox_callbacks.rs"]
mod callbacks;
#[path = "outbox_dispatch.rs"]
mod dispatch;
#[path = "outbox_else_sms.rs"]
mod else_sms;
#[path = "outbox_receipts.rs"]
mod receipts;
#[path = "outbox_recipients.rs"]
mod recipients;
#[path = "outbox_scale.rs"]
mod scale;
#[path = "outbox_spacing.rs"]
mod spacing;
#[path = "outbox_stats.rs"]
mod stats;
#[path = "outbox_views.rs"]
mod views;

use std::collections::BTreeMap;

use bote_domain::{
    AccountId, AccountKind, ChannelKind, ContactId, MessageId, MessageStatus, PhoneNumber, SendId,
};
use chrono::{DateTime, Duration, SubsecRound, Utc};

pub use accept::*;
pub use callbacks::*;
pub use dispatch::*;
pub use else_sms::*;
pub use receipts::*;
pub use recipients::*;
pub use scale::*;
pub use spacing::*;
pub use stats::*;
pub use views::*;

use crate::{
    Acceptance, ClaimToken, ClaimedMessage, ContactDraft, GroupDraft, MessageQuery, MessageRecord,
    NewAccount, NewSend, OutboxStore, Outcome, ReceiptUpdate, Recipients, SkipReason, Skipped,
    Store,
};

/// Expands to one test per outbox contract test, each on a fresh store from `$fresh` (an
/// async expression yielding an `Arc` of the concrete store).
#[macro_export]
macro_rules! outbox_contract_tests {
    ($fresh:expr) => {
        $crate::__outbox_contract_tests_each!(
            $fresh;
            // acceptance
            outbox_acceptance_counts_and_lists_skipped_recipients,
            outbox_test_sends_and_test_accounts_skip_recipients,
            outbox_a_number_gets_one_message_per_send,
            outbox_sends_to_more_numbers_than_one_insert_holds_keep_each,
            outbox_unknown_groups_or_contacts_write_nothing,
            outbox_client_message_ids_make_accepting_idempotent,
            outbox_large_group_sends_are_accepted_in_the_database,
            outbox_previews_count_like_acceptance_and_keep_nothing,
            outbox_whatsapp_else_sms_sends_each_person_one_message,
            outbox_service_windows_come_from_inbound_messages,
            outbox_spaced_sends_come_due_slot_by_slot,
            outbox_spaced_sends_are_paced_from_when_they_were_asked,
            // dispatch
            outbox_scheduled_messages_wait_and_oldest_go_first,
            outbox_claims_lease_and_reclaim_after_the_lease,
            outbox_concurrent_claimers_never_share_a_message,
            outbox_paused_sends_wait_until_resumed,
            outbox_cancelled_sends_stay_cancelled,
            outbox_outcomes_apply_only_to_sending_messages,
            outbox_outcomes_of_stale_claims_are_ignored,
            outbox_paced_sends_come_due_one_after_another,
            // receipts and callbacks
            outbox_receipts_deliver_sent_messages,
            outbox_receipts_of_an_account_reach_only_its_messages,
            outbox_early_receipts_wait_for_the_sent_outcome,
            outbox_multipart_messages_follow_their_parts,
            outbox_receipts_match_any_id_variant,
            outbox_receipts_never_move_a_message_backwards,
            outbox_receipt_batches_end_as_receipts_one_by_one,
            outbox_receipts_racing_their_sent_outcome_are_not_lost,
            outbox_final_statuses_enqueue_callbacks,
            outbox_callbacks_are_leased_retried_and_given_up,
            // views and isolation
            outbox_sends_and_messages_are_paged,
            outbox_accounts_cannot_see_or_change_each_others_sends,
            // statistics
            outbox_stats_count_per_period_and_channel,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __outbox_contract_tests_each {
    ($fresh:expr; $($name:ident),+ $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let store = $fresh.await;
                $crate::contract::$name(store).await;
            }
        )+
    };
}

/// `now` plus `seconds`, whole seconds (what the database keeps exactly).
pub(super) fn later(seconds: i64) -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0) + Duration::seconds(seconds)
}

pub(super) async fn account<S: Store + ?Sized>(store: &S, name: &str) -> AccountId {
    store
        .create_account(NewAccount {
            name: name.into(),
            kind: AccountKind::Business,
            trial_ends_at: None,
            verified_number: None,
            time_zone: None,
        })
        .await
        .expect("create account")
        .id
}

pub(super) async fn new_group<S: Store + ?Sized>(store: &S, account: AccountId, text: &str) {
    store
        .create_group(
            account,
            GroupDraft {
                name: format!("Group {text}"),
                code: super::support::code(text),
            },
        )
        .await
        .expect("create group");
}

/// A contact with these numbers in these (existing) groups.
pub(super) async fn new_contact<S: Store + ?Sized>(
    store: &S,
    account: AccountId,
    sms: Option<PhoneNumber>,
    whatsapp: Option<PhoneNumber>,
    groups: &[&str],
) -> ContactId {
    store
        .create_contact(
            account,
            ContactDraft {
                sms_number: sms,
                whatsapp_number: whatsapp,
                groups: Some(super::support::codes(groups)),
                ..ContactDraft::default()
            },
        )
        .await
        .expect("create contact")
        .id
}

/// An SMS send of the account, due now, without client id or callback.
pub(super) fn sms_send(account: AccountId) -> NewSend {
    NewSend {
        account,
        channel: ChannelKind::Sms,
        source: "api".into(),
        content: serde_json::json!({ "text": "Hallo!", "sender": "bote" }),
        schedule_at: None,
        client_message_id: None,
        callback_url: None,
        test: false,
        spacing: None,
    }
}

pub(super) fn numbers(numbers: impl IntoIterator<Item = PhoneNumber>) -> Recipients {
    Recipients {
        numbers: numbers.into_iter().collect(),
        ..Recipients::default()
    }
}

pub(super) fn skipped(recipient: &str, reason: SkipReason) -> Skipped {
    Skipped {
        recipient: recipient.into(),
        reason,
    }
}

pub(super) async fn accept<S: OutboxStore + ?Sized>(
    store: &S,
    send: NewSend,
    recipients: Recipients,
) -> Acceptance {
    store
        .accept_send(send, recipients)
        .await
        .expect("accept send")
}

/// An SMS send of the account to `sms(from..to)`, accepted.
pub(super) async fn send_to<S: OutboxStore + ?Sized>(
    store: &S,
    account: AccountId,
    from: u32,
    to: u32,
) -> SendId {
    let numbers = numbers((from..to).map(super::support::sms));
    accept(store, sms_send(account), numbers).await.send.id
}

/// A send of `n` messages to `sms(1..=n)`, all claimed; returns their ids and the claims
/// (for [`apply_outcomes`]).
pub(super) async fn sending<S: Store + OutboxStore + ?Sized>(
    store: &S,
    send: NewSend,
    n: u32,
) -> (Vec<MessageId>, Vec<ClaimedMessage>) {
    accept(store, send, numbers((1..=n).map(super::support::sms))).await;
    let claimed = claim_at(store, later(1)).await;
    assert_eq!(claimed.len(), n as usize);
    (ids_of(&claimed), claimed)
}

/// Every message of the send, walking pages; checks that ids rise.
pub(super) async fn messages<S: OutboxStore + ?Sized>(
    store: &S,
    account: AccountId,
    send: SendId,
) -> Vec<MessageRecord> {
    let mut all: Vec<MessageRecord> = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_messages(
                account,
                MessageQuery {
                    send: Some(send),
                    after,
                    limit: 500,
                    ..MessageQuery::default()
                },
            )
            .await
            .expect("list messages");
        for message in page.items {
            assert!(all.last().is_none_or(|last| message.id > last.id));
            all.push(message);
        }
        match page.next_after {
            Some(next) => after = Some(MessageId(next)),
            None => return all,
        }
    }
}

/// The send's messages counted by status, from its messages; checks that the send's record
/// counts the same.
pub(super) async fn status_counts<S: OutboxStore + ?Sized>(
    store: &S,
    account: AccountId,
    send: SendId,
) -> BTreeMap<MessageStatus, u64> {
    let mut counts = BTreeMap::new();
    for message in messages(store, account, send).await {
        *counts.entry(message.status).or_default() += 1;
    }
    let record = store.send_record(account, send).await.expect("send record");
    assert_eq!(record.counts, counts, "the record counts its messages");
    counts
}

pub(super) async fn status_of<S: OutboxStore + ?Sized>(
    store: &S,
    account: AccountId,
    id: MessageId,
) -> MessageStatus {
    store.message(account, id).await.expect("message").status
}

/// Claims up to 1,000 SMS messages at `at` with a lease of a minute.
pub(super) async fn claim_at<S: OutboxStore + ?Sized>(
    store: &S,
    at: DateTime<Utc>,
) -> Vec<ClaimedMessage> {
    store
        .claim_messages(ChannelKind::Sms, at, at + Duration::seconds(60), 1_000)
        .await
        .expect("claim messages")
}

pub(super) fn ids_of(claimed: &[ClaimedMessage]) -> Vec<MessageId> {
    claimed.iter().map(|m| m.id).collect()
}

pub(super) fn sent(connection: &str, provider_ids: &[&str]) -> Outcome {
    Outcome::Sent {
        connection: connection.into(),
        provider_ids: provider_ids.iter().map(|id| id.to_string()).collect(),
        segments: provider_ids.len().max(1) as u32,
    }
}

pub(super) fn receipt(
    connection: &str,
    provider_ids: &[&str],
    status: MessageStatus,
) -> ReceiptUpdate {
    ReceiptUpdate {
        connection: connection.into(),
        provider_ids: provider_ids.iter().map(|id| id.to_string()).collect(),
        status,
        error_code: None,
        at: later(0),
        account: None,
    }
}

/// The outcomes with the claim token of each message's claim among `claims`.
pub(super) fn with_claims(
    claims: &[ClaimedMessage],
    outcomes: Vec<(MessageId, Outcome)>,
) -> Vec<(MessageId, ClaimToken, Outcome)> {
    outcomes
        .into_iter()
        .map(|(id, outcome)| {
            let claim = claims
                .iter()
                .find(|m| m.id == id)
                .unwrap_or_else(|| panic!("{id} is not among the claims"))
                .claim;
            (id, claim, outcome)
        })
        .collect()
}

/// Records the outcomes under the messages' claims among `claims` and checks that all of
/// them applied.
pub(super) async fn apply_outcomes<S: OutboxStore + ?Sized>(
    store: &S,
    claims: &[ClaimedMessage],
    outcomes: Vec<(MessageId, Outcome)>,
) {
    let outcomes = with_claims(claims, outcomes);
    let n = outcomes.len() as u64;
    assert_eq!(
        store
            .record_outcomes(&outcomes)
            .await
            .expect("record outcomes"),
        n,
        "every outcome applies"
    );
}

/// The source of opt-ins a test gives so that WhatsApp sends reach the number.
pub(super) fn opt_in_source() -> crate::ConsentSource {
    crate::ConsentSource {
        kind: crate::SourceKind::Api,
        reference: Some("outbox contract".into()),
        text: None,
        business_number: None,
    }
}
