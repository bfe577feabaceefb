//! The sends pages (R22): the history, newest first, with each send's messages counted by
//! status; a send's page, whose counts update live while it runs (the page polls
//! `/sends/{id}/progress.json` until no message is left unfinished), with pause, resume and
//! cancel and its messages listed; and one message's page with its status timeline. Times
//! are local to the account's time zone.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use bote_domain::{AccountId, MessageId, MessageStatus, SendId};
use bote_store::{MessageQuery, MessageRecord, SendRecord, SendState, StoreError};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::page::{Chrome, WebError, render};
use super::session::WebUser;
use crate::accounts::account_zone;
use crate::app::AppState;

/// Sends on one page of the history.
const SENDS_PAGE: u32 = 25;
/// Messages on one page of a send.
const MESSAGES_PAGE: u32 = 50;

fn account(user: &WebUser) -> Result<AccountId, WebError> {
    user.user.account_id.ok_or(WebError::Forbidden(user.lang))
}

/// A moment as the account reads it: local time in its zone.
fn time(t: &DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A moment to the minute, local time in the account's zone.
fn minute(t: &DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()
}

/// Messages not yet final: the send still runs.
fn unfinished(send: &SendRecord) -> u64 {
    send.counts
        .iter()
        .filter(|(s, _)| !s.is_final())
        .map(|(_, n)| n)
        .sum()
}

/// The state a page shows: an active send with every message final is "finished".
fn shown_state(send: &SendRecord) -> &'static str {
    if send.state == SendState::Active && unfinished(send) == 0 {
        "finished"
    } else {
        send.state.as_str()
    }
}

/// Whether the page should keep polling: messages are still to go and the send is active.
fn running(send: &SendRecord) -> bool {
    send.state == SendState::Active && unfinished(send) > 0
}

async fn send_of(state: &AppState, user: &WebUser, id: i64) -> Result<SendRecord, WebError> {
    match state.store.send_record(account(user)?, SendId(id)).await {
        Ok(s) => Ok(s),
        Err(StoreError::NotFound(_)) => Err(WebError::NotFound(user.lang)),
        Err(e) => Err(e.into()),
    }
}

struct SendRow {
    id: i64,
    channel: &'static str,
    state: &'static str,
    created: String,
    total: u64,
    counts: Vec<(&'static str, u64)>,
}

#[derive(Template)]
#[template(path = "sends.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<SendRow>,
    next: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Paging {
    before: Option<i64>,
    after: Option<i64>,
}

/// `GET /sends`: the history, 25 at a time, by id (keyset).
pub async fn list(
    State(state): State<AppState>,
    user: WebUser,
    Query(paging): Query<Paging>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    let zone = account_zone(&state, account).await?;
    let page = state
        .store
        .list_sends(account, paging.before.map(SendId), SENDS_PAGE)
        .await?;
    let rows = page
        .items
        .iter()
        .map(|s| SendRow {
            id: s.id.0,
            channel: s.channel.as_str(),
            state: shown_state(s),
            created: minute(&s.created_at, zone),
            total: s.counts.values().sum(),
            counts: s.counts.iter().map(|(k, n)| (k.as_str(), *n)).collect(),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &ListPage {
            chrome: Chrome::for_user(&user, "/sends"),
            rows,
            next: page.next_after,
        },
    ))
}

struct Count {
    status: &'static str,
    n: u64,
}

struct MessageRow {
    id: i64,
    recipient: String,
    status: &'static str,
    reason: String,
    segments: String,
    created: String,
}

#[derive(Template)]
#[template(path = "send_detail.html")]
struct DetailPage {
    chrome: Chrome,
    id: i64,
    channel: &'static str,
    state: &'static str,
    created: String,
    scheduled: Option<String>,
    text: String,
    /// Every status, so live updates have a row to fill.
    counts: Vec<Count>,
    total: u64,
    running: bool,
    can_pause: bool,
    can_resume: bool,
    can_cancel: bool,
    messages: Vec<MessageRow>,
    next_messages: Option<i64>,
    error: Option<String>,
}

/// `GET /sends/{id}`: the send, its counts (live while it runs) and its messages.
pub async fn detail(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
    Query(paging): Query<Paging>,
) -> Result<Response, WebError> {
    detail_page(&state, &user, id, paging.after, None).await
}

async fn detail_page(
    state: &AppState,
    user: &WebUser,
    id: i64,
    after: Option<i64>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let send = send_of(state, user, id).await?;
    let page = state
        .store
        .list_messages(
            account(user)?,
            MessageQuery {
                send: Some(send.id),
                after: after.map(MessageId),
                limit: MESSAGES_PAGE,
                ..MessageQuery::default()
            },
        )
        .await?;
    let zone = account_zone(state, account(user)?).await?;
    let has_queued = send
        .counts
        .get(&MessageStatus::Queued)
        .copied()
        .unwrap_or(0)
        > 0;
    let status = if error.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    Ok(render(
        status,
        &DetailPage {
            chrome: Chrome::for_user(user, &format!("/sends/{id}")),
            id,
            channel: send.channel.as_str(),
            state: shown_state(&send),
            created: minute(&send.created_at, zone),
            scheduled: send
                .schedule_at
                .map(|t| format!("{} ({})", minute(&t, zone), zone.name())),
            text: send.content["text"].as_str().unwrap_or_default().to_owned(),
            counts: MessageStatus::ALL
                .iter()
                .map(|s| Count {
                    status: s.as_str(),
                    n: send.counts.get(s).copied().unwrap_or(0),
                })
                .collect(),
            total: send.counts.values().sum(),
            running: running(&send),
            can_pause: send.state == SendState::Active && has_queued,
            can_resume: send.state == SendState::Paused,
            can_cancel: send.state != SendState::Cancelled && has_queued,
            messages: page.items.iter().map(|m| message_row(m, zone)).collect(),
            next_messages: page.next_after,
            error,
        },
    ))
}

fn message_row(m: &MessageRecord, zone: Tz) -> MessageRow {
    MessageRow {
        id: m.id.0,
        recipient: m.recipient.clone().unwrap_or_default(),
        status: m.status.as_str(),
        reason: m.reason.clone().unwrap_or_default(),
        segments: m.segments.map(|n| n.to_string()).unwrap_or_default(),
        created: time(&m.created_at, zone),
    }
}

/// What the send page polls.
#[derive(Debug, Serialize)]
struct Progress {
    /// Stop polling: nothing left to change without someone acting.
    done: bool,
    state: &'static str,
    total: u64,
    counts: BTreeMap<&'static str, u64>,
}

/// `GET /sends/{id}/progress.json`.
pub async fn progress(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let send = send_of(&state, &user, id).await?;
    let body = Progress {
        done: !running(&send),
        state: shown_state(&send),
        total: send.counts.values().sum(),
        counts: MessageStatus::ALL
            .iter()
            .map(|s| (s.as_str(), send.counts.get(s).copied().unwrap_or(0)))
            .collect(),
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
}

async fn change(
    state: AppState,
    user: WebUser,
    id: i64,
    to: SendState,
    form: ActionForm,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    match state.store.set_send_state(account, SendId(id), to).await {
        Ok(_) => {
            if to == SendState::Active {
                state.wake.notify_one();
            }
            Ok(Redirect::to(&format!("/sends/{id}")).into_response())
        }
        Err(StoreError::NotFound(_)) => Err(WebError::NotFound(user.lang)),
        Err(StoreError::Conflict { what, value }) => {
            let message = format!("{what}: {value}");
            detail_page(&state, &user, id, None, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /sends/{id}/pause`.
pub async fn pause(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    change(state, user, id, SendState::Paused, form).await
}

/// `POST /sends/{id}/resume`: only `queued` messages go out, none twice.
pub async fn resume(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    change(state, user, id, SendState::Active, form).await
}

/// `POST /sends/{id}/cancel`: the queued messages become `cancelled`.
pub async fn cancel(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    change(state, user, id, SendState::Cancelled, form).await
}

struct Step {
    label: &'static str,
    at: String,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    chrome: Chrome,
    m: MessageRow,
    send_id: i64,
    channel: &'static str,
    attempts: u32,
    error_code: String,
    provider_ids: String,
    steps: Vec<Step>,
}

/// `GET /messages/{id}`: one message and when it reached each status.
pub async fn message(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    let zone = account_zone(&state, account).await?;
    let m = match state.store.message(account, MessageId(id)).await {
        Ok(m) => m,
        Err(StoreError::NotFound(_)) => return Err(WebError::NotFound(user.lang)),
        Err(e) => return Err(e.into()),
    };
    let f = user.lang.flow();
    let final_label = if m.status.is_final() {
        m.status.as_str()
    } else {
        f.t_done
    };
    let steps = [
        (f.t_created, Some(m.created_at)),
        (f.t_sending, m.sending_at),
        (f.t_sent, m.sent_at),
        (final_label, m.done_at),
    ]
    .into_iter()
    .filter_map(|(label, at)| {
        at.map(|t| Step {
            label,
            at: time(&t, zone),
        })
    })
    .collect();
    Ok(render(
        StatusCode::OK,
        &MessagePage {
            chrome: Chrome::for_user(&user, &format!("/messages/{id}")),
            send_id: m.send_id.0,
            channel: m.channel.as_str(),
            attempts: m.attempts,
            error_code: m.error_code.clone().unwrap_or_default(),
            provider_ids: m.provider_ids.join(", "),
            steps,
            m: message_row(&m, zone),
        },
    ))
}
