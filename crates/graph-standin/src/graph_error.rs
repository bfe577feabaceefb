//! Meta's error answers: `{"error":{"message","type","code","error_data":{"details"},"fbtrace_id"}}`.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::json;

use crate::Fault;

#[derive(Debug, Clone)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: i64,
    pub subcode: Option<i64>,
    pub message: String,
    pub details: Option<String>,
}

impl GraphError {
    /// 400, code 100: the body breaks one of Meta's rules; `details` names which.
    pub fn invalid(details: impl Into<String>) -> GraphError {
        GraphError {
            status: StatusCode::BAD_REQUEST,
            code: 100,
            subcode: None,
            message: "(#100) Invalid parameter".into(),
            details: Some(details.into()),
        }
    }

    /// 401, code 190: the bearer token is missing or not the number's.
    pub fn bad_token(message: &str) -> GraphError {
        GraphError {
            status: StatusCode::UNAUTHORIZED,
            code: 190,
            subcode: None,
            message: message.into(),
            details: None,
        }
    }

    /// 400, code 100 subcode 33: no such phone number id.
    pub fn unknown_object(id: &str) -> GraphError {
        GraphError {
            status: StatusCode::BAD_REQUEST,
            code: 100,
            subcode: Some(33),
            message: format!(
                "Unsupported post request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation."
            ),
            details: None,
        }
    }

    /// Meta's answer for `code`, with its own wording for the codes bote meets.
    pub fn coded(code: i64, status: StatusCode, message: Option<&str>) -> GraphError {
        let (title, details) = known(code);
        GraphError {
            status,
            code,
            subcode: None,
            message: message.map_or_else(|| format!("(#{code}) {title}"), str::to_owned),
            details: Some(details.into()),
        }
    }
}

/// Titles and details as Meta writes them.
pub fn known(code: i64) -> (&'static str, &'static str) {
    match code {
        2 => (
            "Service temporarily unavailable",
            "Temporary due to downtime or due to being overloaded.",
        ),
        4 => (
            "Application request limit reached",
            "The app has reached its API call rate limit.",
        ),
        130429 => (
            "Rate limit hit",
            "Cloud API message throughput has been reached.",
        ),
        131000 => (
            "Something went wrong",
            "Message failed to send due to an unknown error.",
        ),
        131026 => (
            "Message Undeliverable",
            "Unable to deliver message: the recipient is not a WhatsApp user or has not accepted the terms.",
        ),
        131030 => (
            "Recipient phone number not in allowed list",
            "Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again.",
        ),
        131031 => (
            "Business Account locked",
            "The business account has been locked.",
        ),
        131047 => (
            "Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        ),
        131048 => (
            "Spam rate limit hit",
            "Message failed to send because there are restrictions on how many messages can be sent from this phone number.",
        ),
        131056 => (
            "(Business Account, Consumer Account) pair rate limit hit",
            "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.",
        ),
        131057 => (
            "Account in maintenance mode",
            "Business account is in maintenance mode: the throughput is being upgraded.",
        ),
        190 => (
            "Invalid OAuth access token",
            "The access token is not valid.",
        ),
        _ => ("Stand-in fault", "Programmed in the Graph API stand-in."),
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let trace: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(11)
            .map(char::from)
            .collect();
        let mut error = json!({
            "message": self.message,
            "type": "OAuthException",
            "code": self.code,
            "fbtrace_id": trace,
        });
        if let Some(sub) = self.subcode {
            error["error_subcode"] = sub.into();
        }
        if let Some(details) = self.details {
            error["error_data"] = json!({"messaging_product": "whatsapp", "details": details});
        }
        (self.status, axum::Json(json!({ "error": error }))).into_response()
    }
}

/// A programmed fault as Meta (or a proxy in front of it) would answer it.
pub fn fault_response(fault: &Fault) -> Response {
    let status =
        StatusCode::from_u16(fault.http_status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match fault.code {
        Some(code) => GraphError::coded(code, status, fault.message.as_deref()).into_response(),
        None => (
            status,
            [(header::CONTENT_TYPE, "text/plain")],
            status.canonical_reason().unwrap_or("error").to_owned(),
        )
            .into_response(),
    }
}
