//! The sandbox phone: one simulated handset per number, showing as a chat what the sandbox
//! channels delivered to it and what it sent to the account's business numbers, with a box
//! to send a message from it (the path of `POST /api/v1/sandbox/inbound`). A newcomer tries
//! an opt-in, `START NEWS` or `STOP` here without any provider.
//!
//! The sandbox keeps one inbox per number for every account; a handset shows only what this
//! account's own messages delivered (matched by the provider ids the store recorded).

use std::collections::HashSet;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bote_channels::sandbox::InboxEntry;
use bote_domain::{AccountId, ChannelKind, PhoneNumber};
use bote_store::{InboundQuery, MessageQuery};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::i18n_pages::PageTexts;
use super::page::{Chrome, WebError, render};
use super::refusal::refusal;
use super::session::WebUser;
use crate::api::inbound::from_handset;
use crate::api::input;
use crate::app::AppState;

/// Recently written inbox numbers looked at for the list of handsets.
const RECENT_NUMBERS: usize = 20;
/// Message pages read to match a handset's inbox to the account (1000 each).
const MESSAGE_PAGES: usize = 20;

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    #[serde(default)]
    number: String,
}

/// One bubble of the chat.
struct Bubble {
    at: DateTime<Utc>,
    time: String,
    /// Sent by the handset (right), else received (left).
    mine: bool,
    channel: &'static str,
    /// The business number or sender on the other side.
    other: String,
    text: String,
}

struct BusinessNumberOption {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "sandbox.html")]
struct SandboxPage {
    chrome: Chrome,
    s: &'static PageTexts,
    handsets: Vec<String>,
    /// The open handset.
    number: Option<String>,
    /// The open handset's number, empty when none is open.
    current: String,
    chat: Vec<Bubble>,
    business_numbers: Vec<BusinessNumberOption>,
    sms_sandbox: bool,
    text: String,
    error: Option<String>,
}

fn account(user: &WebUser) -> Result<AccountId, WebError> {
    user.user.account_id.ok_or(WebError::Forbidden(user.lang))
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The provider ids of the account's messages to `number`.
async fn provider_ids(
    state: &AppState,
    account: AccountId,
    number: &PhoneNumber,
) -> Result<HashSet<String>, WebError> {
    let mut ids = HashSet::new();
    let mut after = None;
    for _ in 0..MESSAGE_PAGES {
        let page = state
            .store
            .list_messages(
                account,
                MessageQuery {
                    send: None,
                    recipient: Some(number.clone()),
                    status: None,
                    after,
                    limit: 1000,
                },
            )
            .await?;
        ids.extend(page.items.into_iter().flat_map(|m| m.provider_ids));
        match page.next_after {
            Some(next) => after = Some(bote_domain::MessageId(next)),
            None => break,
        }
    }
    Ok(ids)
}

/// What the sandbox delivered to `number` from this account, oldest first.
async fn received(
    state: &AppState,
    account: AccountId,
    number: &PhoneNumber,
) -> Result<Vec<(ChannelKind, InboxEntry)>, WebError> {
    let ids = provider_ids(state, account, number).await?;
    let sms = state.sandbox.sms.inbox().messages(number.as_str());
    let whatsapp = state.sandbox.whatsapp.inbox().messages(number.as_str());
    Ok(sms
        .into_iter()
        .map(|e| (ChannelKind::Sms, e))
        .chain(whatsapp.into_iter().map(|e| (ChannelKind::Whatsapp, e)))
        .filter(|(_, e)| ids.contains(&e.provider_id))
        .collect())
}

/// The numbers the sandbox delivered this account's messages to lately, newest first.
async fn handsets(state: &AppState, account: AccountId) -> Result<Vec<String>, WebError> {
    let mut candidates = state.sandbox.whatsapp.inbox().numbers();
    candidates.truncate(RECENT_NUMBERS);
    let mut sms = state.sandbox.sms.inbox().numbers();
    sms.truncate(RECENT_NUMBERS);
    for n in sms {
        if !candidates.contains(&n) {
            candidates.push(n);
        }
    }
    let mut found = Vec::new();
    for raw in candidates {
        let Ok(number) = PhoneNumber::parse(&raw, state.config.default_region) else {
            continue;
        };
        if !received(state, account, &number).await?.is_empty() {
            found.push(raw);
        }
    }
    Ok(found)
}

async fn chat(
    state: &AppState,
    account: AccountId,
    number: &PhoneNumber,
) -> Result<Vec<Bubble>, WebError> {
    let mut chat: Vec<Bubble> = received(state, account, number)
        .await?
        .into_iter()
        .map(|(channel, e)| Bubble {
            at: e.received_at,
            time: String::new(),
            mine: false,
            channel: channel.as_str(),
            other: e.from.unwrap_or_default(),
            text: e.text,
        })
        .collect();
    let sent = state
        .store
        .list_inbound(
            account,
            InboundQuery {
                channel: None,
                from: Some(number.as_str().to_owned()),
                before: None,
                limit: 50,
            },
        )
        .await?;
    chat.extend(sent.items.into_iter().map(|m| Bubble {
        at: m.received_at,
        time: String::new(),
        mine: true,
        channel: m.channel.as_str(),
        other: m.to,
        text: m.text.unwrap_or_default(),
    }));
    chat.sort_by_key(|b| b.at);
    for b in &mut chat {
        b.time = b.at.format("%H:%M:%S").to_string();
    }
    Ok(chat)
}

async fn page(
    state: &AppState,
    user: &WebUser,
    number: Option<PhoneNumber>,
    text: String,
    error: Option<String>,
) -> Result<Response, WebError> {
    let account = account(user)?;
    let sms_sandbox = state.connections.smpp.is_empty();
    let business_numbers = state
        .store
        .business_numbers(Some(account))
        .await?
        .into_iter()
        .filter(|n| sms_sandbox || n.channel == ChannelKind::Whatsapp)
        .map(|n| BusinessNumberOption {
            value: format!("{}:{}", n.channel, n.number),
            label: format!("{} · {}", n.number, n.channel),
        })
        .collect();
    let chat = match &number {
        Some(n) => chat(state, account, n).await?,
        None => Vec::new(),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(
        status,
        &SandboxPage {
            // The language switch comes back to the open handset.
            chrome: Chrome::for_user(
                user,
                &number.as_ref().map_or("/sandbox".to_owned(), |n| {
                    format!("/sandbox?number={}", encode(n.as_str()))
                }),
            ),
            s: PageTexts::of(user.lang),
            handsets: handsets(state, account).await?,
            current: number
                .as_ref()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
            number: number.map(|n| n.as_str().to_owned()),
            chat,
            business_numbers,
            sms_sandbox,
            text,
            error,
        },
    ))
}

/// `GET /sandbox?number=`: the handsets, and the one of `number` open.
pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    Query(params): Query<Params>,
) -> Result<Response, WebError> {
    account(&user)?;
    match input::phone("number", Some(&params.number), state.config.default_region) {
        Ok(number) => page(&state, &user, number, String::new(), None).await,
        Err(e) => page(&state, &user, None, String::new(), Some(refusal(e))).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
    /// `channel:number` of one of the account's business numbers.
    #[serde(default)]
    to: String,
    #[serde(default)]
    text: String,
}

/// `POST /sandbox/inbound`: the handset writes to a business number; bote takes it as any
/// inbound message (opt-in, keywords, forwarding) and the handset shows the answer.
pub async fn send(
    State(state): State<AppState>,
    user: WebUser,
    Form(form): Form<SendForm>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    let from = input::phone("from", Some(&form.from), state.config.default_region)
        .ok()
        .flatten();
    let Some((channel, to)) = form
        .to
        .split_once(':')
        .and_then(|(c, n)| Some((c.parse::<ChannelKind>().ok()?, n)))
    else {
        let error = format!("to: '{}' is not a business number of this account", form.to);
        return page(&state, &user, from, form.text, Some(error)).await;
    };
    match from_handset(&state, account, channel, &form.from, to, &form.text).await {
        Ok(record) => {
            let to = format!("/sandbox?number={}", encode(&record.from));
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) if e.status.is_server_error() => Err(WebError::Store(
            bote_store::StoreError::Backend(anyhow::anyhow!(e.message)),
        )),
        Err(e) => page(&state, &user, from, form.text, Some(refusal(e))).await,
    }
}
