//! `/api/v1/optins`: the account's active opt-ins (R9), revoking one as the business (R13),
//! and the consent ledger of a number as JSON or as a CSV download (proof of consent).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use bote_domain::PhoneNumber;
use bote_store::{ConsentSource, LedgerEntry, OptIn, SourceKind};
use serde::{Deserialize, Serialize};

use super::query::{PageBody, page_limit, parse_cursor};
use super::{ApiError, ApiQuery, ApiResult, input};
use crate::app::AppState;
use crate::auth::{Manage, Read, Tenant, Via};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/optins", get(list))
        .route("/optins/{number}", delete(revoke))
        .route("/optins/{number}/ledger", get(ledger))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    cursor: Option<String>,
    limit: Option<u32>,
}

/// Active opt-ins, newest first.
async fn list(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<PageBody<OptIn>>> {
    let page = state
        .store
        .list_opt_ins(
            tenant.account,
            parse_cursor(params.cursor.as_deref())?,
            page_limit(params.limit)?,
        )
        .await?;
    Ok(Json(page.into()))
}

fn number(state: &AppState, raw: &str) -> ApiResult<PhoneNumber> {
    input::phone("number", Some(raw), state.config.default_region)?
        .ok_or_else(|| ApiError::invalid("number", "missing", "number: give a phone number"))
}

/// R13: the business ends an opt-in; the ledger names the token or user that did it.
async fn revoke(
    tenant: Tenant<Manage>,
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let number = number(&state, &raw)?;
    let (kind, reference) = match tenant.principal.via {
        Via::Token(id) => (SourceKind::Api, format!("token {}", id.0)),
        Via::User { id, .. } => (SourceKind::User, format!("user {}", id.0)),
    };
    let source = ConsentSource {
        kind,
        reference: Some(reference),
        text: None,
        business_number: None,
    };
    if state
        .store
        .revoke_opt_in(tenant.account, &number, source)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("active opt-in"))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LedgerParams {
    format: Option<String>,
}

#[derive(Debug, Serialize)]
struct LedgerBody {
    number: PhoneNumber,
    /// Whether the number has an active opt-in now.
    active: bool,
    /// Oldest first.
    data: Vec<LedgerEntry>,
}

/// Every consent event of the number, oldest first: JSON, or with `?format=csv` a CSV file.
async fn ledger(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
    Path(raw): Path<String>,
    ApiQuery(params): ApiQuery<LedgerParams>,
) -> ApiResult<Response> {
    let number = number(&state, &raw)?;
    let csv = match params.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::invalid(
                "format",
                "invalid_format",
                format!("format: '{other}' is not one of json, csv"),
            ));
        }
    };
    let entries = state.store.consent_ledger(tenant.account, &number).await?;
    if csv {
        let body = ledger_csv(&entries).map_err(ApiError::internal)?;
        let disposition = format!(
            "attachment; filename=\"consent-{}.csv\"",
            number.as_str().trim_start_matches('+')
        );
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            body,
        )
            .into_response());
    }
    let active = state
        .store
        .active_opt_in(tenant.account, &number)
        .await?
        .is_some();
    Ok(Json(LedgerBody {
        number,
        active,
        data: entries,
    })
    .into_response())
}

/// The ledger as CSV: one line per event, with a header.
pub(crate) fn ledger_csv(entries: &[LedgerEntry]) -> anyhow::Result<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "at",
        "number",
        "event",
        "source",
        "reference",
        "business_number",
        "group",
        "text",
    ])?;
    for e in entries {
        out.write_record([
            e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                .as_str(),
            e.number.as_str(),
            e.event.as_str(),
            e.source.as_str(),
            e.reference.as_deref().unwrap_or_default(),
            e.business_number.as_deref().unwrap_or_default(),
            e.group.as_ref().map(|g| g.as_str()).unwrap_or_default(),
            e.text.as_deref().unwrap_or_default(),
        ])?;
    }
    Ok(String::from_utf8(out.into_inner()?)?)
}
