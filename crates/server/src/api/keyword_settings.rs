//! `/api/v1/settings/keywords`: the account's extra START/STOP words, keyword reply texts
//! and whether keywords apply to inbound SMS too.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use bote_domain::keywords::{START_WORDS, STOP_WORDS, check_word};
use bote_store::KeywordSettings;

use super::{ApiError, ApiJson, ApiResult};
use crate::app::AppState;
use crate::auth::{Manage, Read, Tenant};

/// Longest reply text (a WhatsApp text may be longer; an SMS reply should not be).
const MAX_REPLY_CHARS: usize = 1000;
/// Most extra words per verb.
const MAX_WORDS: usize = 20;

pub fn router() -> Router<AppState> {
    Router::new().route("/settings/keywords", get(read).put(replace))
}

async fn read(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
) -> ApiResult<Json<KeywordSettings>> {
    Ok(Json(state.store.keyword_settings(tenant.account).await?))
}

/// Replaces the settings; a reply set to `null` is not sent.
async fn replace(
    tenant: Tenant<Manage>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<KeywordSettings>,
) -> ApiResult<Json<KeywordSettings>> {
    let settings = checked(body)?;
    state
        .store
        .set_keyword_settings(tenant.account, &settings)
        .await?;
    Ok(Json(settings))
}

/// The settings as saved: words checked and upper-cased, replies within their length. The
/// API and the settings page both check them here.
pub(crate) fn checked(mut s: KeywordSettings) -> ApiResult<KeywordSettings> {
    s.start_words = words("start_words", &s.start_words)?;
    s.stop_words = words("stop_words", &s.stop_words)?;
    if let Some(w) = s.start_words.iter().find(|w| s.stop_words.contains(w)) {
        return Err(ApiError::invalid(
            "stop_words",
            "invalid_keyword",
            format!("stop_words: '{w}' is a start word too"),
        ));
    }
    let r = &s.replies;
    for (field, text) in [
        ("replies.opted_in", &r.opted_in),
        ("replies.stopped", &r.stopped),
        ("replies.joined", &r.joined),
        ("replies.left", &r.left),
        ("replies.unknown_code", &r.unknown_code),
        ("replies.not_a_keyword", &r.not_a_keyword),
    ] {
        if text
            .as_deref()
            .is_some_and(|t| t.chars().count() > MAX_REPLY_CHARS)
        {
            return Err(ApiError::invalid(
                field,
                "too_long",
                format!("{field} is longer than {MAX_REPLY_CHARS} characters"),
            ));
        }
    }
    Ok(s)
}

/// Extra words, upper case and each once; the fixed words of the other verb are refused.
fn words(field: &str, given: &[String]) -> ApiResult<Vec<String>> {
    if given.len() > MAX_WORDS {
        return Err(ApiError::invalid(
            field,
            "too_many",
            format!("{field}: at most {MAX_WORDS} words"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(given.len());
    for w in given {
        let w = check_word(w)
            .map_err(|e| ApiError::invalid(field, "invalid_keyword", format!("{field}: {e}")))?;
        let fixed_of_other = if field == "start_words" {
            STOP_WORDS.contains(&w.as_str())
        } else {
            START_WORDS.contains(&w.as_str())
        };
        if fixed_of_other {
            return Err(ApiError::invalid(
                field,
                "invalid_keyword",
                format!("{field}: '{w}' already means the opposite"),
            ));
        }
        if !out.contains(&w) {
            out.push(w);
        }
    }
    Ok(out)
}
