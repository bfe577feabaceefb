//! One inbound message through keywords, opt-ins and replies.

use anyhow::Context;
use bote_domain::keywords::{self, ExtraWords, Keyword, Parsed, Verb};
use bote_domain::{ChannelKind, GroupCode, PhoneNumber, Region};
use bote_store::{
    ConsentSource, InboundRecord, KeywordSettings, OptInResult, SourceKind, Store, StoreError,
};

use super::policy::OptInPolicy;
use super::reply;

/// What the pipeline did with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    pub parsed: Parsed,
    /// The answer to an opt-in it asked the store for (R7, R10), if any.
    pub opt_in: Option<OptInResult>,
    /// The reply it sent, if any.
    pub reply: Option<String>,
    /// False when the message was removed (not a keyword, and the package keeps none, R3).
    pub kept: bool,
}

/// Which reply text to send.
enum Answer {
    OptedIn,
    Stopped,
    Joined(GroupCode),
    Left(GroupCode),
    UnknownCode(GroupCode),
    Help,
}

impl Answer {
    fn text(&self, settings: &KeywordSettings) -> Option<String> {
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

/// Runs one new inbound message of an account through the pipeline under `policy`:
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
pub async fn handle(
    store: &dyn Store,
    record: &InboundRecord,
    policy: OptInPolicy,
) -> anyhow::Result<Handled> {
    let account = record
        .account
        .context("the consent pipeline takes messages routed to an account")?;
    let settings = store.keyword_settings(account).await?;
    handle_with(store, record, &settings, policy).await
}

/// [`handle`] with the account's keyword settings already read.
pub async fn handle_with(
    store: &dyn Store,
    record: &InboundRecord,
    settings: &KeywordSettings,
    policy: OptInPolicy,
) -> anyhow::Result<Handled> {
    let account = record
        .account
        .context("the consent pipeline takes messages routed to an account")?;
    let extra = ExtraWords {
        start: settings.start_words.clone(),
        stop: settings.stop_words.clone(),
    };
    let parsed = record
        .text
        .as_deref()
        .map(|t| keywords::parse(t, &extra))
        .unwrap_or(Parsed::NotKeyword);
    let mut handled = Handled {
        parsed: parsed.clone(),
        opt_in: None,
        reply: None,
        kept: true,
    };
    // Senders that are no phone number (an SMS from a name) cannot opt in or be answered.
    let Ok(from) = PhoneNumber::parse(&record.from, Region::AUSTRIA) else {
        return Ok(handled);
    };
    let whatsapp = record.channel == ChannelKind::Whatsapp;
    let source = |kind| ConsentSource {
        kind,
        reference: Some(record.id.to_string()),
        text: record.text.clone(),
        business_number: Some(record.to.clone()),
    };
    let answer = match &parsed {
        Parsed::Keyword(Keyword::Stop(None)) => {
            store
                .revoke_opt_in(account, &from, source(SourceKind::Keyword))
                .await?;
            Some(Answer::Stopped)
        }
        Parsed::Keyword(Keyword::Stop(Some(code))) => {
            let left = store
                .leave_group(
                    account,
                    &from,
                    record.channel,
                    code,
                    source(SourceKind::Keyword),
                )
                .await;
            Some(group_answer(left, code, Answer::Left)?)
        }
        Parsed::Keyword(Keyword::Start(code)) => {
            let refused = if whatsapp {
                let given = store
                    .give_opt_in(account, &from, source(SourceKind::Keyword), policy.cap)
                    .await?;
                let refused = matches!(given, OptInResult::Refused { .. });
                handled.opt_in = Some(given);
                refused
            } else {
                false
            };
            match code {
                _ if refused => None,
                None if whatsapp => Some(Answer::OptedIn),
                None => None,
                Some(code) => {
                    let joined = store
                        .join_group(
                            account,
                            &from,
                            record.channel,
                            code,
                            source(SourceKind::Keyword),
                        )
                        .await;
                    Some(group_answer(joined, code, Answer::Joined)?)
                }
            }
        }
        Parsed::KeywordLike { verb, .. } => {
            handled.kept = policy.keep_replies;
            if whatsapp && *verb == Verb::Start && !policy.keyword_only {
                handled.opt_in = Some(first_message(store, record, &from, policy).await?);
            }
            Some(Answer::Help)
        }
        Parsed::NotKeyword => {
            handled.kept = policy.keep_replies;
            if !whatsapp {
                None
            } else if policy.keyword_only {
                let active = store.active_opt_in(account, &from).await?;
                active.is_none().then_some(Answer::Help)
            } else {
                let given = first_message(store, record, &from, policy).await?;
                let new = matches!(given, OptInResult::Given { .. });
                handled.opt_in = Some(given);
                new.then_some(Answer::OptedIn)
            }
        }
    };
    if policy.may_reply
        && let Some(text) = answer.and_then(|a| a.text(settings))
    {
        // The consent change is stored; a reply that cannot go out is logged, not fatal.
        match reply::send(store, account, record, &from, text.clone()).await {
            Ok(()) => handled.reply = Some(text),
            Err(e) => tracing::warn!(inbound = record.id, error = %e, "keyword reply failed"),
        }
    }
    if !handled.kept {
        store.forget_inbound(account, record.id).await?;
    }
    Ok(handled)
}

/// R7: the message opts its sender in, as a first message does.
async fn first_message(
    store: &dyn Store,
    record: &InboundRecord,
    from: &PhoneNumber,
    policy: OptInPolicy,
) -> anyhow::Result<OptInResult> {
    let source = ConsentSource {
        kind: SourceKind::Inbound,
        reference: Some(record.id.to_string()),
        text: record.text.clone(),
        business_number: Some(record.to.clone()),
    };
    let account = record.account.context("routed message")?;
    Ok(store.give_opt_in(account, from, source, policy.cap).await?)
}

/// The reply to a group keyword: `done` when the group exists, the unknown-code help when
/// the account has no group with that code.
fn group_answer<T>(
    result: Result<T, StoreError>,
    code: &GroupCode,
    done: fn(GroupCode) -> Answer,
) -> anyhow::Result<Answer> {
    match result {
        Ok(_) => Ok(done(code.clone())),
        Err(StoreError::Unknown { what: "group", .. }) => Ok(Answer::UnknownCode(code.clone())),
        Err(e) => Err(e.into()),
    }
}
