//! The one mapping from failures to HTTP: a status, a stable machine-readable `code`, a
//! human message and, where one input was wrong, the `field`. 5xx bodies are opaque; their
//! cause goes to the log.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bote_store::StoreError;
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub details: Option<serde_json::Value>,
    /// Seconds for `Retry-After` on 429 and 503.
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            details: None,
            retry_after: None,
        }
    }

    /// 429 for a caller held off by a limit, with `Retry-After`.
    pub fn limited(limited: crate::auth::Limited) -> Self {
        let (code, message) = match limited {
            crate::auth::Limited::Failures(_) => (
                "too_many_failures",
                "too many failed authentications from this address; wait before trying again",
            ),
            crate::auth::Limited::Requests(_) => (
                "rate_limited",
                "this account made too many requests this second; slow down",
            ),
        };
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, code, message);
        e.retry_after = Some(limited.retry_after_secs());
        e
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or invalid credentials: send `Authorization: Bearer <token>` or HTTP Basic",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A well-formed request with a value that is not acceptable (422).
    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message).with_field(field)
    }

    /// An unexpected failure: logged with its cause, answered without it. A busy database
    /// anywhere in the cause is answered as such (503 with `Retry-After`): nothing was
    /// written, and the client may try again.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        let err = err.into();
        let busy = err
            .chain()
            .find_map(|e| match e.downcast_ref::<StoreError>() {
                Some(StoreError::Busy(why)) => Some(why.clone()),
                _ => None,
            });
        if let Some(why) = busy {
            return StoreError::Busy(why).into();
        }
        tracing::error!(error = format!("{err:#}"), "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Conflict { what, value } => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("{what} '{value}' is already taken"),
            )
            .with_field(what.replace(' ', "_")),
            StoreError::Unknown { what, value } => ApiError::invalid(
                what,
                "unknown_reference",
                format!("unknown {what} '{value}'"),
            ),
            StoreError::Busy(why) => {
                tracing::warn!(why, "answered 503: the database is busy");
                let mut e = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "the database is busy with other writes; nothing was changed, try again shortly",
                );
                e.retry_after = Some(1);
                e
            }
            StoreError::Backend(e) => ApiError::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                field: self.field.as_deref(),
                details: self.details.as_ref(),
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"bote\", charset=\"UTF-8\""),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_database_answers_503_with_retry_after() {
        let e = ApiError::from(StoreError::Busy("waited 30s".into()));
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(e.code, "busy");
        assert_eq!(e.retry_after, Some(1));
        let response = e.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn a_busy_database_under_another_error_still_answers_503() {
        let busy = anyhow::Error::from(StoreError::Busy("no free connection".into()))
            .context("accepting the send");
        let e = ApiError::internal(busy);
        assert_eq!(
            (e.status, e.code),
            (StatusCode::SERVICE_UNAVAILABLE, "busy")
        );
        let other = ApiError::internal(anyhow::anyhow!("disk on fire"));
        assert_eq!(other.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}
