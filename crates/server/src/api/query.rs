//! `ApiQuery<T>`: query-string extraction with errors in the API's shape.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::ApiError;

pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))
    }
}

/// Page size: `limit` query parameter, 1 to 1,000, 50 when absent.
pub fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    match limit {
        None => Ok(50),
        Some(n @ 1..=1000) => Ok(n),
        Some(n) => Err(ApiError::invalid(
            "limit",
            "invalid_limit",
            format!("limit {n} is outside 1..=1000"),
        )),
    }
}

/// Cursors are opaque to clients; today they carry the last id of the previous page.
pub fn parse_cursor(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => c.parse::<i64>().map(Some).map_err(|_| {
            ApiError::invalid(
                "cursor",
                "invalid_cursor",
                format!("'{c}' is not a cursor from a previous page"),
            )
        }),
    }
}

#[derive(serde::Serialize)]
pub struct PageBody<T: serde::Serialize> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: serde::Serialize> From<bote_store::Page<T>> for PageBody<T> {
    fn from(page: bote_store::Page<T>) -> Self {
        PageBody {
            data: page.items,
            next_cursor: page.next_after.map(|id| id.to_string()),
        }
    }
}
