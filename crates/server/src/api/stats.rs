//! `/api/v1/stats`: the account's message counts per day or month and channel (R21), as
//! JSON or (`format=csv`) as a download.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bote_store::StatsInterval;
use chrono::{Months, NaiveDate};
use serde::Deserialize;

use super::{ApiError, ApiQuery, ApiResult};
use crate::accounts::account_zone;
use crate::app::AppState;
use crate::auth::{Read, Tenant};
use crate::stats::{MAX_DAYS, MAX_MONTHS, ReportChannel, ReportRange, csv, report, today};

pub fn router() -> Router<AppState> {
    Router::new().route("/stats", get(show))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsParams {
    pub from: Option<String>,
    pub to: Option<String>,
    pub channel: Option<String>,
    pub interval: Option<String>,
    pub format: Option<String>,
}

fn date(field: &str, text: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                ApiError::invalid(
                    field,
                    "invalid_date",
                    format!("'{t}' is not a date (YYYY-MM-DD)"),
                )
            }),
    }
}

/// The range the parameters ask for: by default the last 30 days (daily) or the last 12
/// months (monthly) up to `today` (the account's).
pub fn range(params: &StatsParams, today: NaiveDate) -> Result<ReportRange, ApiError> {
    let interval = match params.interval.as_deref().unwrap_or("day") {
        "day" => StatsInterval::Day,
        "month" => StatsInterval::Month,
        other => {
            return Err(ApiError::invalid(
                "interval",
                "invalid_interval",
                format!("'{other}' is not an interval (day, month)"),
            ));
        }
    };
    let channel = match params.channel.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(text) => Some(ReportChannel::parse(text).ok_or_else(|| {
            ApiError::invalid(
                "channel",
                "invalid_channel",
                format!("'{text}' is not a channel (sms, voice, push, whatsapp)"),
            )
        })?),
    };
    let to = date("to", params.to.as_deref())?.unwrap_or(today);
    let from = match date("from", params.from.as_deref())? {
        Some(from) => from,
        None => match interval {
            StatsInterval::Day => to - chrono::Days::new(29),
            StatsInterval::Month => crate::stats::period_start(to, interval)
                .checked_sub_months(Months::new(11))
                .unwrap_or(to),
        },
    };
    if from > to {
        return Err(ApiError::invalid(
            "from",
            "invalid_range",
            format!("from {from} is after to {to}"),
        ));
    }
    let too_long = match interval {
        StatsInterval::Day => (to - from).num_days() as u64 >= MAX_DAYS,
        StatsInterval::Month => from
            .checked_add_months(Months::new(MAX_MONTHS))
            .is_none_or(|end| end <= to),
    };
    if too_long {
        return Err(ApiError::invalid(
            "to",
            "range_too_long",
            format!(
                "at most {MAX_DAYS} days (interval day) or {MAX_MONTHS} months (interval month)"
            ),
        ));
    }
    Ok(ReportRange {
        from,
        to,
        interval,
        channel,
    })
}

async fn show(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<StatsParams>,
) -> ApiResult<Response> {
    let csv_wanted = match params.format.as_deref().unwrap_or("json") {
        "json" => false,
        "csv" => true,
        other => {
            return Err(ApiError::invalid(
                "format",
                "invalid_format",
                format!("'{other}' is not a format (json, csv)"),
            ));
        }
    };
    let zone = account_zone(&state, tenant.account).await?;
    let range = range(&params, today(zone))?;
    let report = report(&*state.store, tenant.account, range, zone).await?;
    if !csv_wanted {
        return Ok(Json(report).into_response());
    }
    let body = csv(&report).map_err(ApiError::internal)?;
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
