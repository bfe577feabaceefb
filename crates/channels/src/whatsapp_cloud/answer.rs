//! What the Graph API's answer means for bote: the wamid of an accepted message, or a
//! [`SendOutcome`] chosen by Meta's error `code`.
//!
//! One rule throughout: `Rejected` when Meta refused the message for good (its error
//! code is kept), `Retry` when the condition passes (throughput, pair rate, 429, 5xx,
//! transport), `Failed` when the answer is not the Graph API's at all and retrying
//! would not help or could send twice.

use std::time::Duration;

use serde::Deserialize;

use crate::SendOutcome;

/// Meta's codes for conditions that pass, and how long to wait before trying again.
pub const RETRY_CODES: &[(i64, Option<Duration>)] = &[
    // Throughput of this business number reached (80/s by default); the number slows down too.
    (THROUGHPUT, Some(Duration::from_secs(1))),
    // Pair rate limit: about one message every 6 s to the same user.
    (131056, Some(Duration::from_secs(6))),
    // Account in maintenance mode, e.g. during a throughput upgrade.
    (131057, Some(Duration::from_secs(60))),
    // Service unavailable.
    (131016, Some(Duration::from_secs(10))),
    // API service temporarily unavailable.
    (2, None),
    // Application or business account request limit reached.
    (4, Some(Duration::from_secs(60))),
    (80007, Some(Duration::from_secs(60))),
];

/// 130429: the number's throughput is reached.
pub const THROUGHPUT: i64 = 130429;
/// 131047: more than 24 hours since the customer last wrote.
pub const OUTSIDE_WINDOW: i64 = 131047;
pub const OUTSIDE_WINDOW_REASON: &str =
    "outside the 24-hour customer-service window: a template message is needed";

#[derive(Deserialize)]
struct Accepted {
    #[serde(default)]
    messages: Vec<AcceptedMessage>,
}

#[derive(Deserialize)]
struct AcceptedMessage {
    id: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: GraphError,
}

/// Meta's error object; only the fields bote reads.
#[derive(Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
    code: Option<i64>,
    #[serde(default)]
    error_user_title: Option<String>,
    #[serde(default)]
    error_data: Option<ErrorData>,
}

#[derive(Deserialize)]
struct ErrorData {
    #[serde(default)]
    details: Option<String>,
}

/// A refusal read from a non-2xx answer.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub outcome: SendOutcome,
    /// 130429: the sender's rate must back off.
    pub slow_down: bool,
}

/// A 2xx answer: `messages[0].id` is the wamid.
pub fn accepted(body: &[u8]) -> SendOutcome {
    match serde_json::from_slice::<Accepted>(body) {
        Ok(a) if !a.messages.is_empty() => SendOutcome::Accepted {
            provider_ids: a.messages.into_iter().take(1).map(|m| m.id).collect(),
        },
        // Meta took the request, so sending it again could deliver it twice.
        _ => SendOutcome::Failed {
            reason: "Cloud API accepted the request but answered no message id".into(),
        },
    }
}

/// A non-2xx answer, by Meta's error code first, then by HTTP status.
pub fn refused(status: u16, body: &[u8], retry_after: Option<Duration>) -> Refusal {
    let error = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .map(|b| b.error);
    let code = error.as_ref().and_then(|e| e.code);
    let text = error.as_ref().map(describe).unwrap_or_default();
    if let Some(code) = code
        && let Some((_, after)) = RETRY_CODES.iter().find(|(c, _)| *c == code)
    {
        return Refusal {
            outcome: SendOutcome::Retry {
                reason: format!("Cloud API error {code}: {text}"),
                after: retry_after.or(*after),
            },
            slow_down: code == THROUGHPUT,
        };
    }
    if status == 429 || status >= 500 {
        return Refusal {
            outcome: SendOutcome::Retry {
                reason: match code {
                    Some(code) => format!("Cloud API HTTP {status}, error {code}: {text}"),
                    None => format!("Cloud API HTTP {status}"),
                },
                after: retry_after,
            },
            slow_down: false,
        };
    }
    let outcome = match code {
        Some(OUTSIDE_WINDOW) => SendOutcome::Rejected {
            code: OUTSIDE_WINDOW.to_string(),
            reason: OUTSIDE_WINDOW_REASON.into(),
        },
        Some(code) => SendOutcome::Rejected {
            code: code.to_string(),
            reason: text,
        },
        None if status == 401 => SendOutcome::Rejected {
            code: "401".into(),
            reason: "Cloud API refused the access token (HTTP 401)".into(),
        },
        None => SendOutcome::Failed {
            reason: format!("Cloud API answered HTTP {status} without a Graph API error"),
        },
    };
    Refusal {
        outcome,
        slow_down: false,
    }
}

/// Meta's title or message, and its details when they add something.
fn describe(e: &GraphError) -> String {
    let head = match e.error_user_title.as_deref() {
        Some(title) if e.message.is_empty() => title,
        _ => e.message.as_str(),
    };
    match e.error_data.as_ref().and_then(|d| d.details.as_deref()) {
        Some(details) if !details.is_empty() && details != head => {
            format!("{head} ({details})")
        }
        _ => head.to_owned(),
    }
}

/// `Retry-After` in seconds, as Meta and proxies send it.
pub fn retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(code: i64, message: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({"error": {"message": message,
            "type": "OAuthException", "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": message},
            "fbtrace_id": "Az8"}}))
        .unwrap()
    }

    #[test]
    fn throughput_retries_after_a_second_and_slows_down() {
        let r = refused(400, &graph(130429, "Rate limit hit"), None);
        assert!(r.slow_down);
        assert!(
            matches!(r.outcome, SendOutcome::Retry { after: Some(d), .. } if d == Duration::from_secs(1))
        );
    }

    #[test]
    fn retry_after_header_wins_and_plain_5xx_retries() {
        let r = refused(503, b"<html>busy</html>", Some(Duration::from_secs(7)));
        assert_eq!(
            r.outcome,
            SendOutcome::Retry {
                reason: "Cloud API HTTP 503".into(),
                after: Some(Duration::from_secs(7))
            }
        );
        assert_eq!(retry_after(Some(" 12 ")), Some(Duration::from_secs(12)));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
    }

    #[test]
    fn unknown_answers_fail_without_retrying() {
        assert!(matches!(
            refused(404, b"not found", None).outcome,
            SendOutcome::Failed { .. }
        ));
        assert!(matches!(accepted(b"{}"), SendOutcome::Failed { .. }));
    }

    #[test]
    fn details_are_kept_when_they_add_something() {
        let body = br#"{"error":{"message":"(#100) Invalid parameter","code":100,"error_data":{"details":"to: not a phone number"}}}"#;
        assert_eq!(
            refused(400, body, None).outcome,
            SendOutcome::Rejected {
                code: "100".into(),
                reason: "(#100) Invalid parameter (to: not a phone number)".into()
            }
        );
    }
}
