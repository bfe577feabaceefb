//! `/api/v1/contacts/import` (CSV upload, streamed to disk first) and
//! `/api/v1/contacts/export` (CSV download, streamed from the store).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::TryStreamExt;
use serde::Deserialize;

use super::{ApiError, ApiQuery, ApiResult, input};
use crate::app::AppState;
use crate::auth::{Manage, Read, Tenant};
use crate::contacts_csv::{ImportError, ImportReport, export_stream, import_file, spool};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contacts/import", post(import))
        .route("/contacts/export", get(export))
}

/// Imports the request body as CSV. A file with a structural fault (no header, wrong field
/// counts, not UTF-8) is refused whole with 422 and the line; rows with bad values are
/// skipped and listed in the report.
async fn import(
    tenant: Tenant<Manage>,
    State(state): State<AppState>,
    request: Request,
) -> ApiResult<Json<ImportReport>> {
    let limit = state.config.max_import_bytes;
    let stream = request
        .into_body()
        .into_data_stream()
        .map_err(std::io::Error::other);
    let reader = tokio_util::io::StreamReader::new(stream);
    let path = spool(reader, limit)
        .await
        .map_err(|e| {
            ApiError::bad_request("unreadable_body", format!("reading the upload failed: {e}"))
        })?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the CSV file is larger than {limit} bytes"),
            )
        })?;
    let report = import_file(
        state.store.clone(),
        tenant.account,
        state.config.default_region,
        path.to_path_buf(),
        None,
    )
    .await
    .map_err(|e| match e {
        ImportError::Csv(csv) => ApiError::invalid("file", "invalid_csv", csv.to_string())
            .with_details(serde_json::json!({ "line": csv.line })),
        ImportError::Store(s) => s.into(),
        ImportError::Io(io) => ApiError::internal(io),
    })?;
    Ok(Json(report))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportParams {
    group: Option<String>,
}

async fn export(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    let group = params
        .group
        .as_deref()
        .map(|g| input::group_code("group", g))
        .transpose()?;
    if let Some(code) = &group {
        state.store.group_by_code(tenant.account, code).await?;
    }
    let stream = export_stream(state.store.clone(), tenant.account, group)
        .map_err(|e| std::io::Error::other(e.to_string()));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"contacts.csv\"",
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
