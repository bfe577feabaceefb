use std::collections::BTreeMap;

use bote_domain::{GroupCode, PhoneNumber};
use serde::Serialize;

/// One parsed, valid row of a contact import. Rows are matched to existing contacts by
/// number (SMS number first, then WhatsApp number) and upserted:
/// - a matched contact keeps what the row leaves empty, takes the row's non-empty names and
///   fields, gains a number it lacked, and is added to the row's groups (never removed);
/// - an unmatched row becomes a new contact;
/// - groups named by code are created when missing (name = code);
/// - a row whose SMS number and WhatsApp number belong to two different contacts, or that
///   would give a contact a second, different number of a kind, is rejected.
///
/// Re-importing the same rows changes nothing. Opt-ins are never touched (R14).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportRow {
    /// 1-based line in the source file, for reports.
    pub line: u64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub sms_number: Option<PhoneNumber>,
    pub whatsapp_number: Option<PhoneNumber>,
    pub fields: BTreeMap<String, String>,
    pub groups: Vec<GroupCode>,
}

/// A row of a file that was not imported: its line, the column at fault (a column name,
/// `sms_number, whatsapp_number` when both or neither are, a custom field's name) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedRow {
    pub line: u64,
    pub field: String,
    pub reason: String,
}

/// The field named by a row rejected for its phone numbers: both, or neither, of them.
pub const BOTH_NUMBERS: &str = "sms_number, whatsapp_number";

/// What an import (or one batch of it) did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: Vec<RejectedRow>,
}
