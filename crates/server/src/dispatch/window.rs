//! The 24-hour customer-service window of Cloud API numbers. Meta takes free-form messages
//! (text, media) only from a business number to someone who wrote to it in the last 24
//! hours; anyone else needs a template (else error 131047, after a wasted call). bote knows
//! the window from the inbound messages it keeps, so it checks at dispatch — the window may
//! have closed since the send was accepted — with one set-based store query per business
//! number and batch. Outside it, a message goes out as its send's `fallback_template`, or
//! fails with reason `outside_service_window` without any call to the Graph API. Template
//! messages and the sandbox channel have no window.

use std::collections::{HashMap, HashSet};

use bote_channels::WhatsappContent;
use bote_domain::SendId;
use bote_store::{ClaimedMessage, InboundStore, StoreError};
use chrono::{DateTime, TimeDelta, Utc};

use super::build::Built;
use crate::sending::Template;

/// How long after a person's last message a business number may answer free-form.
pub const SERVICE_WINDOW: TimeDelta = TimeDelta::hours(24);

/// The reason of a free-form message that may not go out.
pub const OUTSIDE_SERVICE_WINDOW: &str = "outside_service_window: no message from this number \
     to the business number in the last 24 hours; a template is needed";

/// Checks the Cloud API messages of a batch against their numbers' windows at `now`.
pub async fn apply<S>(
    store: &S,
    claimed: &[ClaimedMessage],
    built: Vec<Built>,
    now: DateTime<Utc>,
) -> Result<Vec<Built>, StoreError>
where
    S: InboundStore + ?Sized,
{
    let mut asked: HashMap<&str, Vec<String>> = HashMap::new();
    for b in &built {
        if let Some((from, to)) = free_form_cloud(b) {
            asked.entry(from).or_default().push(to);
        }
    }
    if asked.is_empty() {
        return Ok(built);
    }
    let since = now - SERVICE_WINDOW;
    let mut inside: HashMap<String, HashSet<String>> = HashMap::with_capacity(asked.len());
    for (from, numbers) in asked {
        let found = store.in_service_window(from, &numbers, since).await?;
        inside.insert(from.to_owned(), found);
    }
    let mut fallbacks: HashMap<SendId, Option<Template>> = HashMap::new();
    Ok(built
        .into_iter()
        .zip(claimed)
        .map(|(b, message)| {
            let outside = free_form_cloud(&b).is_some_and(|(from, to)| {
                !inside
                    .get(from)
                    .is_some_and(|numbers| numbers.contains(&to))
            });
            if !outside {
                return b;
            }
            let fallback = fallbacks
                .entry(message.send_id)
                .or_insert_with(|| fallback_of(&message.content))
                .clone();
            match (b, fallback) {
                (Built::ReadyCloud(from, mut out), Some(t)) => {
                    out.content = WhatsappContent::Template {
                        name: t.name,
                        language: t.language,
                        parameters: t.parameters,
                    };
                    Built::ReadyCloud(from, out)
                }
                _ => Built::Fail(OUTSIDE_SERVICE_WINDOW.into()),
            }
        })
        .collect())
}

/// The business number and recipient of a free-form message through the Cloud API.
fn free_form_cloud(b: &Built) -> Option<(&str, String)> {
    match b {
        Built::ReadyCloud(_, out) if !matches!(out.content, WhatsappContent::Template { .. }) => {
            Some((out.from.as_deref()?, out.to.as_str().to_owned()))
        }
        _ => None,
    }
}

/// The send's `fallback_template`, if it has a readable one.
fn fallback_of(content: &serde_json::Value) -> Option<Template> {
    serde_json::from_value(content.get("fallback_template")?.clone()).ok()
}
