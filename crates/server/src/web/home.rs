//! The dashboard: the first page after logging in. Account managers, who have no account
//! of their own, go to the admin area instead.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bote_store::{SendRecord, StatsInterval};

use super::page::{Chrome, WebError, render};
use super::session::WebUser;
use crate::accounts::account_zone;
use crate::app::AppState;
use crate::stats::{CHANNELS, Counts, ReportRange, period_start, report, today};

/// Sends listed on the dashboard.
const RECENT_SENDS: u32 = 10;

/// One row of the recent sends.
struct SendRow {
    id: i64,
    channel: String,
    state: String,
    messages: u64,
    created: String,
}

impl SendRow {
    fn from(send: &SendRecord) -> SendRow {
        SendRow {
            id: send.id.0,
            channel: send.channel.as_str().to_owned(),
            state: send.state.as_str().to_owned(),
            messages: send.counts.values().sum(),
            created: send.created_at.format("%Y-%m-%d %H:%M").to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    account_name: String,
    sends: Vec<SendRow>,
    /// Per channel in [`CHANNELS`] order: today's counts and this month's (R21).
    counts: Vec<(&'static str, Counts, Counts)>,
}

/// Today's and this month's totals per channel, each counted by the store in one query.
async fn counts(
    state: &AppState,
    account: bote_domain::AccountId,
) -> Result<Vec<(&'static str, Counts, Counts)>, WebError> {
    let zone = account_zone(state, account).await?;
    let today = today(zone);
    let totals = |interval| ReportRange {
        from: period_start(today, interval),
        to: today,
        interval,
        channel: None,
    };
    let day = report(&*state.store, account, totals(StatsInterval::Day), zone).await?;
    let month = report(&*state.store, account, totals(StatsInterval::Month), zone).await?;
    Ok(CHANNELS
        .into_iter()
        .map(|c| (c, day.totals[c], month.totals[c]))
        .collect())
}

/// `GET /`.
pub async fn show(State(state): State<AppState>, user: WebUser) -> Result<Response, WebError> {
    let Some(account) = user.user.account_id else {
        return Ok(Redirect::to("/admin").into_response());
    };
    let account_name = state.store.account(account).await?.name;
    let sends = state.store.list_sends(account, None, RECENT_SENDS).await?;
    let counts = counts(&state, account).await?;
    Ok(render(
        StatusCode::OK,
        &HomePage {
            chrome: Chrome::for_user(&user, "/"),
            account_name,
            sends: sends.items.iter().map(SendRow::from).collect(),
            counts,
        },
    ))
}
