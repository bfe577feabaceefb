//! What an inbound message asks for, decided from its text, channel and the package's
//! policy alone, before any store is touched: so a batch of messages can give its opt-ins
//! in one go and do the rest message by message.

use bote_domain::keywords::{self, ExtraWords, Keyword, Parsed, Verb};
use bote_domain::{ChannelKind, GroupCode, PhoneNumber, Region};
use bote_store::{InboundRecord, KeywordSettings, SourceKind};

use super::policy::OptInPolicy;
use super::reply;

/// One message's plan.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    pub parsed: Parsed,
    /// The sender, when it is a phone number: others cannot opt in or be answered.
    pub from: Option<PhoneNumber>,
    pub action: Action,
    /// False when the message is to be removed (not a keyword, and the package keeps none,
    /// R3).
    pub kept: bool,
}

#[derive(Debug, Clone)]
pub(super) enum Action {
    Nothing,
    /// An opt-in with this source kind, then `after`.
    OptIn {
        kind: SourceKind,
        after: AfterOptIn,
    },
    /// `STOP` (R11).
    Revoke,
    /// `STOP <code>` (R12).
    Leave(GroupCode),
    /// `START <code>` by SMS, which gives no WhatsApp opt-in.
    Join(GroupCode),
    /// A keyword-only package's answer to a plain message: help while there is no opt-in.
    HelpUnlessOptedIn,
    Help,
}

#[derive(Debug, Clone)]
pub(super) enum AfterOptIn {
    /// `START`: the confirmation, unless refused.
    Confirm,
    /// `START <code>`: join the group, unless refused.
    Join(GroupCode),
    /// Started like a keyword but did not fit: the help reply in any case.
    Help,
    /// A first message (R7): the confirmation only when the opt-in is new.
    ConfirmIfNew,
}

/// Plans one new inbound message under the account's settings and `policy`:
///
/// - `STOP` revokes the opt-in (R11); `STOP <code>` leaves only that group (R12);
/// - `START` gives the opt-in, `START <code>` also joins the group (R10);
/// - any other WhatsApp message gives the opt-in as the first message (R7), unless the
///   policy is keyword-only, where it gets the help reply while there is no opt-in;
/// - a text that starts like a keyword but does not fit gets the help reply;
/// - an unknown group code gets the unknown-code reply, not an error.
///
/// On SMS (when the account applies keywords to SMS) only keywords act, and an SMS never
/// gives a WhatsApp opt-in; STOP by SMS still revokes it.
pub(super) fn plan(
    record: &InboundRecord,
    settings: &KeywordSettings,
    policy: OptInPolicy,
) -> Plan {
    let extra = ExtraWords {
        start: settings.start_words.clone(),
        stop: settings.stop_words.clone(),
    };
    let parsed = record
        .text
        .as_deref()
        .map(|t| keywords::parse(t, &extra))
        .unwrap_or(Parsed::NotKeyword);
    let Ok(from) = PhoneNumber::parse(&record.from, Region::AUSTRIA) else {
        return Plan {
            parsed,
            from: None,
            action: Action::Nothing,
            kept: true,
        };
    };
    let whatsapp = record.channel == ChannelKind::Whatsapp;
    let (action, kept) = match &parsed {
        Parsed::Keyword(Keyword::Stop(None)) => (Action::Revoke, true),
        Parsed::Keyword(Keyword::Stop(Some(code))) => (Action::Leave(code.clone()), true),
        Parsed::Keyword(Keyword::Start(code)) => {
            let action = match (whatsapp, code) {
                (true, None) => Action::OptIn {
                    kind: SourceKind::Keyword,
                    after: AfterOptIn::Confirm,
                },
                (true, Some(code)) => Action::OptIn {
                    kind: SourceKind::Keyword,
                    after: AfterOptIn::Join(code.clone()),
                },
                (false, None) => Action::Nothing,
                (false, Some(code)) => Action::Join(code.clone()),
            };
            (action, true)
        }
        Parsed::KeywordLike { verb, .. } => {
            let action = if whatsapp && *verb == Verb::Start && !policy.keyword_only {
                Action::OptIn {
                    kind: SourceKind::Inbound,
                    after: AfterOptIn::Help,
                }
            } else {
                Action::Help
            };
            (action, policy.keep_replies)
        }
        Parsed::NotKeyword => {
            let action = if !whatsapp {
                Action::Nothing
            } else if policy.keyword_only {
                Action::HelpUnlessOptedIn
            } else {
                Action::OptIn {
                    kind: SourceKind::Inbound,
                    after: AfterOptIn::ConfirmIfNew,
                }
            };
            (action, policy.keep_replies)
        }
    };
    Plan {
        parsed,
        from: Some(from),
        action,
        kept,
    }
}

/// Which reply text to send.
pub(super) enum Answer {
    OptedIn,
    Stopped,
    Joined(GroupCode),
    Left(GroupCode),
    UnknownCode(GroupCode),
    Help,
}

impl Answer {
    /// The account's text for this answer; `None` when it set none.
    pub fn text(&self, settings: &KeywordSettings) -> Option<String> {
        let r = &settings.replies;
        let (template, code) = match self {
            Answer::OptedIn => (&r.opted_in, None),
            Answer::Stopped => (&r.stopped, None),
            Answer::Joined(c) => (&r.joined, Some(c)),
            Answer::Left(c) => (&r.left, Some(c)),
            Answer::UnknownCode(c) => (&r.unknown_code, Some(c)),
            Answer::Help => (&r.not_a_keyword, None),
        };
        template
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(|t| reply::fill(t, code.map(GroupCode::as_str)))
    }
}
