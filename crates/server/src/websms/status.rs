//! websms answers over HTTP: the response body clients parse, and a refusal's
//! [`WebsmsStatus`] (defined with the request parsing in `bote_wire`) as a response.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bote_wire::websms::WebsmsStatus;
use serde::Serialize;

/// A refused request, answered in websms' body shape.
#[derive(Debug)]
pub struct Refusal(pub WebsmsStatus);

impl From<WebsmsStatus> for Refusal {
    fn from(status: WebsmsStatus) -> Self {
        Self(status)
    }
}

/// 4023 for an address held off for its failed authentications, 4024 for an account over
/// its requests per second; HTTP 429 either way.
pub fn limited(limited: crate::auth::Limited) -> WebsmsStatus {
    match limited {
        crate::auth::Limited::Failures(_) => WebsmsStatus::new(
            4023,
            "Request limit exceeded for this IP: too many failed authentications",
        ),
        crate::auth::Limited::Requests(_) => {
            WebsmsStatus::new(4024, "Too many requests for this account; slow down")
        }
    }
}

/// websms answers errors with HTTP 200 and the code in the body; clients rely on the body.
/// Authentication failures (401), limits (429) and server faults (500, 503) are the
/// exceptions.
fn http_status(status: &WebsmsStatus) -> StatusCode {
    match status.code {
        4001 => StatusCode::UNAUTHORIZED,
        4023 | 4024 => StatusCode::TOO_MANY_REQUESTS,
        5000 => StatusCode::INTERNAL_SERVER_ERROR,
        5003 => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::OK,
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebsmsResponse {
    pub status_code: u16,
    pub status_message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer_id: Option<String>,
    pub client_message_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_count: Option<u64>,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let Refusal(status) = self;
        let http = http_status(&status);
        let body = WebsmsResponse {
            status_code: status.code,
            status_message: status.message,
            transfer_id: None,
            client_message_id: None,
            sms_count: None,
        };
        let mut response = (http, Json(body)).into_response();
        if http == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        response
    }
}

/// `transferId`: 20 hex digits naming the send.
pub fn transfer_id(send: bote_domain::SendId) -> String {
    format!("{:020x}", send.0)
}

pub fn parse_transfer_id(text: &str) -> Option<bote_domain::SendId> {
    (text.len() == 20)
        .then(|| i64::from_str_radix(text, 16).ok())
        .flatten()
        .map(bote_domain::SendId)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_database_is_5003_with_http_503_and_retry_after() {
        let response = Refusal(WebsmsStatus::unavailable()).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[axum::http::header::RETRY_AFTER], "1");
        assert_eq!(
            http_status(&WebsmsStatus::internal()),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn transfer_ids_are_20_hex_digits_and_round_trip() {
        let id = transfer_id(bote_domain::SendId(1_234_567));
        assert_eq!(id, "0000000000000012d687");
        assert_eq!(parse_transfer_id(&id), Some(bote_domain::SendId(1_234_567)));
        assert_eq!(parse_transfer_id("xyz"), None);
    }
}
