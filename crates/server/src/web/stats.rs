//! The statistics page (R21): counts per day or month and channel, a server-drawn SVG bar
//! chart, the table behind it and the same report as a CSV download.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use bote_domain::AccountId;

use super::chart::{Chart, sent_per_period};
use super::page::{Chrome, WebError, render};
use super::session::WebUser;
use crate::accounts::account_zone;
use crate::api::stats::{StatsParams, range};
use crate::app::AppState;
use crate::stats::{CHANNELS, Counts, Report, csv, report, today};

/// One line of the table: a period and its channels in [`CHANNELS`] order.
struct Row {
    period: String,
    cells: Vec<Counts>,
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    chrome: Chrome,
    from: String,
    to: String,
    interval: &'static str,
    channel: String,
    channels: Vec<&'static str>,
    error: Option<String>,
    chart: Chart,
    rows: Vec<Row>,
    totals: Vec<Counts>,
}

/// The account's report over the range asked for, or over the default one and why the
/// asked one was refused; days are the account's.
async fn report_or_default(
    state: &AppState,
    account: AccountId,
    params: &StatsParams,
) -> Result<(Report, Option<String>), WebError> {
    let zone = account_zone(state, account).await?;
    let today = today(zone);
    let (range, error) = match range(params, today) {
        Ok(range) => (range, None),
        Err(e) => (
            range(&StatsParams::default(), today).expect("the default range is valid"),
            Some(e.message),
        ),
    };
    Ok((report(&*state.store, account, range, zone).await?, error))
}

fn account_of(user: &WebUser) -> Option<AccountId> {
    user.user.account_id
}

/// `GET /stats`.
pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    Query(params): Query<StatsParams>,
) -> Result<Response, WebError> {
    let Some(account) = account_of(&user) else {
        return Ok(Redirect::to("/admin").into_response());
    };
    let (report, error) = report_or_default(&state, account, &params).await?;
    let channels: Vec<&'static str> = CHANNELS
        .into_iter()
        .filter(|c| report.totals.contains_key(c))
        .collect();
    let cells = |map: &std::collections::BTreeMap<&'static str, Counts>| {
        channels.iter().map(|c| map[c]).collect::<Vec<_>>()
    };
    let rows = report
        .periods
        .iter()
        .map(|p| Row {
            period: p.period.to_string(),
            cells: cells(&p.channels),
        })
        .collect();
    let channel = params.channel.clone().unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &StatsPage {
            chrome: Chrome::for_user(&user, "/stats"),
            from: report.from.to_string(),
            to: report.to.to_string(),
            interval: report.interval,
            channel,
            chart: sent_per_period(&report),
            totals: cells(&report.totals),
            channels,
            error,
            rows,
        },
    ))
}

/// `GET /stats/export`: the page's report as `stats.csv`.
pub async fn export(
    State(state): State<AppState>,
    user: WebUser,
    Query(params): Query<StatsParams>,
) -> Result<Response, WebError> {
    let Some(account) = account_of(&user) else {
        return Err(WebError::NotFound(user.lang));
    };
    let (report, _) = report_or_default(&state, account, &params).await?;
    let body =
        csv(&report).map_err(|e| WebError::Store(bote_store::StoreError::Backend(e.into())))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"stats.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
