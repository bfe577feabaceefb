//! The contact import page (R22): a CSV file uploaded as a form (multipart), spooled to a
//! temporary file as the API does, then imported in the background by `contacts_csv` while
//! the page polls a small JSON endpoint for rows and bytes done; at the end, the report with
//! every rejected row (row number, field, reason). Also the CSV export of the contacts.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use askama::Template;
use axum::body::Body;
use axum::extract::{Extension, Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use bote_domain::AccountId;
use futures::TryStreamExt;
use serde::Serialize;

use super::import_jobs::{Ending, ImportJobs, Job};
use super::page::{Chrome, WebError, render};
use super::session::WebUser;
use crate::app::AppState;
use crate::contacts_csv::{ImportError, Progress, export_stream, import_file, spool};

/// Rejected rows shown on the report page; the rest are counted.
const SHOWN_REJECTS: usize = 1_000;

fn account(user: &WebUser) -> Result<AccountId, WebError> {
    user.user.account_id.ok_or(WebError::Forbidden(user.lang))
}

#[derive(Template)]
#[template(path = "import.html")]
struct FormPage {
    chrome: Chrome,
    error: Option<String>,
}

struct Rejected {
    line: u64,
    field: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "import_job.html")]
struct JobPage {
    chrome: Chrome,
    id: String,
    progress: ProgressBody,
    failed: Option<String>,
    rejected: Vec<Rejected>,
    rejected_more: u64,
}

/// What the page polls: `GET /contacts/import/{id}/progress.json`.
#[derive(Debug, Serialize)]
struct ProgressBody {
    done: bool,
    percent: u64,
    rows: u64,
    created: u64,
    updated: u64,
    unchanged: u64,
    rejected: u64,
}

fn progress_of(job: &Job) -> ProgressBody {
    let mut body = ProgressBody {
        done: false,
        percent: job.percent(),
        rows: job.rows.load(Ordering::Relaxed),
        created: 0,
        updated: 0,
        unchanged: 0,
        rejected: 0,
    };
    match job.ending() {
        Some(Ending::Done(r)) => {
            body.done = true;
            body.rows = r.rows;
            body.created = r.created;
            body.updated = r.updated;
            body.unchanged = r.unchanged;
            body.rejected = r.rejected_count;
        }
        Some(Ending::Failed(_)) => body.done = true,
        None => {}
    }
    body
}

/// `GET /contacts/import`.
pub async fn show(user: WebUser) -> Result<Response, WebError> {
    account(&user)?;
    Ok(render(
        StatusCode::OK,
        &FormPage {
            chrome: Chrome::for_user(&user, "/contacts/import"),
            error: None,
        },
    ))
}

fn refused(user: &WebUser, status: StatusCode, error: String) -> Response {
    render(
        status,
        &FormPage {
            chrome: Chrome::for_user(user, "/contacts/import"),
            error: Some(error),
        },
    )
}

/// `POST /contacts/import`: the form's `csrf` field comes first, then `file`.
pub async fn upload(
    State(state): State<AppState>,
    Extension(jobs): Extension<Arc<ImportJobs>>,
    user: WebUser,
    mut form: Multipart,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    let f = user.lang.flow();
    let bad_form = |e: axum::extract::multipart::MultipartError| {
        refused(&user, StatusCode::BAD_REQUEST, format!("file: {e}"))
    };
    let mut csrf_ok = false;
    let mut spooled = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Ok(bad_form(e)),
        };
        match field.name() {
            Some("csrf") => {
                let sent = field.text().await.unwrap_or_default();
                user.check_csrf(&sent)?;
                csrf_ok = true;
            }
            Some("file") if csrf_ok => {
                if field.file_name().is_none_or(str::is_empty) {
                    continue;
                }
                let limit = state.config.max_import_bytes;
                let reader = tokio_util::io::StreamReader::new(
                    field.map_err(|e| std::io::Error::other(e.to_string())),
                );
                match spool(reader, limit).await {
                    Ok(Some(path)) => spooled = Some(path),
                    Ok(None) => {
                        return Ok(refused(
                            &user,
                            StatusCode::PAYLOAD_TOO_LARGE,
                            format!("file: {} {limit} bytes", f.import_too_large),
                        ));
                    }
                    Err(e) => {
                        return Ok(refused(
                            &user,
                            StatusCode::BAD_REQUEST,
                            format!("file: reading the upload failed: {e}"),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(WebError::Csrf(user.lang));
    }
    let Some(path) = spooled else {
        return Ok(refused(
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("file: {}", f.import_no_file),
        ));
    };
    let total = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let (id, job) = jobs.start(account, total);
    let watched = job.clone();
    let progress: Progress = Arc::new(move |bytes, rows| {
        watched.bytes.store(bytes, Ordering::Relaxed);
        watched.rows.store(rows, Ordering::Relaxed);
    });
    let (store, region) = (state.store.clone(), state.config.default_region);
    tokio::spawn(async move {
        // `path` lives until the import ends; dropping it removes the file.
        let result = import_file(store, account, region, path.to_path_buf(), Some(progress)).await;
        drop(path);
        job.finish(match result {
            Ok(report) => Ending::Done(report),
            Err(ImportError::Csv(e)) => Ending::Failed(e.to_string()),
            Err(e) => {
                tracing::error!(error = %e, "a web import failed");
                Ending::Failed(e.to_string())
            }
        });
    });
    Ok(Redirect::to(&format!("/contacts/import/{id}")).into_response())
}

fn job_of(jobs: &ImportJobs, user: &WebUser, id: &str) -> Result<Arc<Job>, WebError> {
    jobs.get(account(user)?, id)
        .ok_or(WebError::NotFound(user.lang))
}

/// `GET /contacts/import/{id}`: progress while it runs, the report when done.
pub async fn job(
    Extension(jobs): Extension<Arc<ImportJobs>>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let job = job_of(&jobs, &user, &id)?;
    let (failed, rejected, rejected_more) = match job.ending() {
        Some(Ending::Failed(why)) => (Some(why), Vec::new(), 0),
        Some(Ending::Done(report)) => {
            let shown: Vec<Rejected> = report
                .rejected
                .iter()
                .take(SHOWN_REJECTS)
                .map(|r| Rejected {
                    line: r.line,
                    field: r.field.clone(),
                    reason: r.reason.clone(),
                })
                .collect();
            let more = report.rejected_count.saturating_sub(shown.len() as u64);
            (None, shown, more)
        }
        None => (None, Vec::new(), 0),
    };
    Ok(render(
        StatusCode::OK,
        &JobPage {
            chrome: Chrome::for_user(&user, "/contacts/import"),
            progress: progress_of(&job),
            id,
            failed,
            rejected,
            rejected_more,
        },
    ))
}

/// `GET /contacts/import/{id}/progress.json`.
pub async fn progress(
    Extension(jobs): Extension<Arc<ImportJobs>>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let job = job_of(&jobs, &user, &id)?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(progress_of(&job)),
    )
        .into_response())
}

/// `GET /contacts/export`: the account's contacts as CSV, streamed (the API's format).
pub async fn export(State(state): State<AppState>, user: WebUser) -> Result<Response, WebError> {
    let account = account(&user)?;
    let stream = export_stream(state.store.clone(), account, None)
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
