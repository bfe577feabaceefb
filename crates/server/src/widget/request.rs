//! One visitor's request on a widget: the checks against abuse, the SMS through the normal
//! sending path (outbox, then the dispatcher: durable and counted), and the ledger entry.
//!
//! Whether the number is known to the account — a contact, an opt-in, nothing — changes
//! nothing here: every valid number within its limit takes the same path and the visitor
//! sees the same answer, so the widget tells nobody anything about a number.

use std::net::IpAddr;

use anyhow::Context;
use bote_domain::keywords::START_WORDS;
use bote_domain::{ChannelKind, PhoneNumber, Region};
use bote_store::{ConsentSource, SourceKind, Store, Widget};

use super::{WidgetLimiter, WidgetTexts};
use crate::addon::{PackageCaps, opt_in_policy};
use crate::sending::{SendRequest, SendSpec, accept};

/// What a visitor typed, and from where.
#[derive(Debug, Clone)]
pub struct VisitorRequest {
    pub number: String,
    /// The hidden field people leave empty and form-filling bots do not.
    pub honeypot: String,
    pub ip: Option<IpAddr>,
}

/// What the visitor is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// "If the number is right, an SMS is on its way" — also for the honeypot, for a number
    /// over its limit and for a number the send skipped.
    Sent,
    InvalidNumber,
    /// The visitor's address made too many requests.
    TooMany,
    /// The account has no WhatsApp number to give out.
    Unavailable,
}

/// Where the request went, for the log and the caller (the visitor only sees [`Answer`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    Answered(Answer),
    /// The SMS is in the outbox as this send; the dispatcher should be woken.
    Queued {
        send: i64,
    },
}

impl Handled {
    pub fn answer(&self) -> Answer {
        match self {
            Handled::Answered(a) => *a,
            Handled::Queued { .. } => Answer::Sent,
        }
    }
}

/// Handles one request on `widget` (R8).
pub async fn handle(
    store: &dyn Store,
    region: Region,
    caps: &PackageCaps,
    limiter: &WidgetLimiter,
    widget: &Widget,
    visitor: VisitorRequest,
) -> anyhow::Result<Handled> {
    let account = widget.account;
    if !limiter.allow_ip(visitor.ip) {
        return Ok(Handled::Answered(Answer::TooMany));
    }
    if !visitor.honeypot.trim().is_empty() {
        tracing::info!(?account, "widget request with the honeypot filled ignored");
        return Ok(Handled::Answered(Answer::Sent));
    }
    let Ok(number) = PhoneNumber::parse(visitor.number.trim(), region) else {
        return Ok(Handled::Answered(Answer::InvalidNumber));
    };
    let Some(whatsapp) = store
        .whatsapp_numbers(account)
        .await?
        .into_iter()
        .next()
        .map(|w| w.number.number)
    else {
        return Ok(Handled::Answered(Answer::Unavailable));
    };
    if !limiter.allow_number(account, &number) {
        tracing::info!(?account, "widget request over the number's limit ignored");
        return Ok(Handled::Answered(Answer::Sent));
    }
    let policy = opt_in_policy(store, caps, account).await?;
    let keyword = policy.keyword_only.then_some(START_WORDS[0]);
    let business = store.account(account).await?.name;
    let texts = WidgetTexts::of(&widget.look, &business);
    let spec = SendSpec {
        text: Some(texts.sms(&business, &whatsapp, keyword)),
        ..SendSpec::default()
    };
    let numbers = vec![number.as_str().to_owned()];
    let request = SendRequest::to_numbers(ChannelKind::Sms, spec, numbers, "widget");
    let accepted = match accept(store, account, region, request).await {
        Ok(a) => a.acceptance,
        Err(e) => {
            tracing::warn!(?account, error = %e, "widget SMS not accepted");
            return Ok(Handled::Answered(Answer::Sent));
        }
    };
    if accepted.accepted == 0 {
        tracing::info!(?account, skipped = ?accepted.skipped, "widget SMS skipped");
        return Ok(Handled::Answered(Answer::Sent));
    }
    let send = accepted.send.id.0;
    store
        .record_widget_request(
            account,
            &number,
            ConsentSource {
                kind: SourceKind::Widget,
                reference: Some(format!("send {send}")),
                text: Some(texts.consent),
                business_number: Some(whatsapp),
            },
        )
        .await
        .context("recording the widget request in the consent ledger")?;
    Ok(Handled::Queued { send })
}
