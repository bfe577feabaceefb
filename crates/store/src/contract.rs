//! The contract test suite: every back end runs these against a fresh database.
//!
//! A back end's `tests/contract.rs` calls [`contract_tests!`](crate::contract_tests) with an
//! async expression that yields a fresh, migrated `Arc<dyn Store>`:
//!
//! ```ignore
//! async fn fresh() -> std::sync::Arc<dyn bote_store::Store> { /* … */ }
//! bote_store::contract_tests!(fresh());
//! ```
//!
//! It expands to one `#[tokio::test]` per test function below (the calling crate needs
//! `tokio` with `macros` and `rt-multi-thread` among its dev-dependencies). Each function
//! takes a store of its own, so tests never see each other's rows.

mod account_settings;
mod accounts;
mod addon;
mod consent;
mod consent_groups;
mod contacts;
mod groups;
mod import;
mod inbound;
mod inbound_pending;
mod isolation;
mod load;
mod mail_log;
mod outbox;
mod search;
mod send_slots;
mod support;
mod web_sessions;
mod widget;

pub use account_settings::*;
pub use accounts::*;
pub use addon::*;
pub use consent::*;
pub use consent_groups::*;
pub use contacts::*;
pub use groups::*;
pub use import::*;
pub use inbound::*;
pub use inbound_pending::*;
pub use isolation::*;
pub use load::*;
pub use mail_log::*;
pub use outbox::*;
pub use search::*;
pub use send_slots::*;
pub use web_sessions::*;
pub use widget::*;

/// Expands to one test per contract test function, each on a fresh store from `$fresh`.
#[macro_export]
macro_rules! contract_tests {
    ($fresh:expr) => {
        $crate::__contract_tests_each!(
            $fresh;
            // accounts, users, tokens
            accounts_are_created_found_and_listed,
            account_names_are_unique,
            users_log_in_and_are_listed_per_account,
            usernames_are_unique,
            tokens_are_found_by_hash_until_revoked,
            account_time_zones_are_kept_changed_and_cleared,
            user_emails_are_kept_changed_and_cleared,
            store_migrates_again_and_pings,
            // contacts
            contacts_are_created_read_updated_and_deleted,
            contact_numbers_are_unique_per_kind_and_account,
            contact_groups_are_replaced_only_when_given,
            unknown_groups_are_rejected_without_changes,
            contact_pages_cover_every_contact_once,
            contacts_are_found_by_exact_number,
            contacts_are_found_by_text_case_insensitively,
            search_text_wildcards_match_literally,
            contacts_are_filtered_by_group,
            // groups
            groups_are_created_read_updated_and_deleted,
            group_codes_conflict_case_insensitively,
            group_pages_cover_every_group_once,
            members_are_added_and_removed_in_bulk,
            deleting_a_group_keeps_its_contacts,
            deleting_a_contact_ends_its_memberships,
            // import
            import_creates_contacts_and_groups,
            import_updates_matched_contacts_and_counts_unchanged,
            reimporting_the_same_rows_changes_nothing,
            import_empty_cells_do_not_erase,
            import_rejects_rows_that_join_two_contacts,
            import_rejects_a_second_number_of_a_kind,
            import_merges_rows_of_one_batch_that_share_a_number,
            import_matches_by_whatsapp_number_too,
            import_handles_large_batches,
            concurrent_writers_all_succeed,
            // the WhatsApp add-on and inbound forwarding (R1-R4)
            whatsapp_addon_is_pending_until_a_number_makes_it_active,
            small_is_not_upgraded_in_place,
            inbound_messages_are_enqueued_for_forwarding_once,
            // business numbers and inbound messages
            business_numbers_belong_to_one_account,
            inbound_messages_are_routed_by_number_and_kept_once,
            inbound_batches_are_stored_once_each_and_leased_to_the_caller,
            unprocessed_inbound_is_claimed_once_per_lease_until_processed,
            // consent: opt-ins, the ledger, keyword settings, R6 in acceptance
            opt_ins_are_given_listed_and_revoked,
            opt_ins_beyond_the_cap_are_refused_and_recorded,
            opt_ins_are_given_many_at_once,
            group_keywords_join_and_leave_with_ledger_entries,
            group_moves_are_made_many_at_once,
            keyword_settings_default_and_are_kept_per_account,
            whatsapp_sends_skip_numbers_without_an_opt_in,
            cloud_numbers_keep_their_credentials,
            // isolation between accounts
            accounts_cannot_see_each_others_contacts,
            accounts_cannot_touch_each_others_groups,
            accounts_cannot_use_each_others_groups_or_contacts,
            imports_stay_within_their_account,
            users_and_tokens_stay_within_their_account,
            // web sessions
            web_sessions_are_found_by_hash_until_they_expire,
            web_sessions_end_by_logout_and_purge,
            // the opt-in widget
            widgets_have_random_public_ids_and_keep_their_look,
            widget_requests_are_recorded_in_the_ledger_before_the_opt_in,
            account_mails_are_recorded_once_per_kind,
            // send slots shared between processes
            send_slot_blocks_follow_each_other,
            concurrent_send_slot_blocks_do_not_overlap,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __contract_tests_each {
    ($fresh:expr; $($name:ident),+ $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let store: ::std::sync::Arc<dyn $crate::Store> = $fresh.await;
                $crate::contract::$name(store).await;
            }
        )+
    };
}
