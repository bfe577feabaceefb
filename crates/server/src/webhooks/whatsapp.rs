//! `/webhooks/whatsapp/{phone_number_id}`: the Cloud API webhook of one business number.
//!
//! GET is Meta's verification handshake. POST carries notifications, accepted only with a
//! valid signature by the number's app secret; its events are stored — receipts through the
//! `ReceiptWriter`, inbound messages through the `InboundWriter` (group commits) — before
//! the 200, so Meta redelivers whatever was not stored. Both are idempotent (one row per
//! wamid, receipts change a status once), and Meta does redeliver, for days.

use std::collections::{HashMap, HashSet};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use bote_store::WhatsappNumber;
use bote_wire::whatsapp_webhook::{Owner, WebhookEvent, events_of, parse};
use futures::future::{try_join, try_join_all};

use super::signature::{SIGNATURE_HEADER, same_secret, verify_signature};
use crate::api::{ApiError, ApiResult};
use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/webhooks/whatsapp/{phone_number_id}",
        get(verify).post(notify),
    )
}

/// The Cloud API number with this phone number id; 404 for unknown ids and for numbers
/// without credentials (they have no webhook).
async fn cloud_number(state: &AppState, phone_number_id: &str) -> ApiResult<WhatsappNumber> {
    match state
        .cloud_numbers
        .get(state.store.as_ref(), phone_number_id)
        .await?
    {
        Some(n) if n.cloud.is_some() => Ok(n),
        _ => Err(ApiError::not_found("WhatsApp Cloud API number")),
    }
}

/// Meta's handshake: `hub.mode=subscribe` and the number's verify token → the challenge.
async fn verify(
    Path(phone_number_id): Path<String>,
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<String> {
    let number = cloud_number(&state, &phone_number_id).await?;
    let expected = number
        .cloud
        .as_ref()
        .expect("a Cloud API number")
        .verify_token
        .expose();
    let given = params
        .get("hub.verify_token")
        .map(String::as_str)
        .unwrap_or_default();
    let subscribe = params.get("hub.mode").map(String::as_str) == Some("subscribe");
    if !subscribe || !same_secret(given.as_bytes(), expected.as_bytes()) {
        tracing::warn!(phone_number_id = %phone_number_id, subscribe, "WhatsApp webhook verification refused");
        return Err(ApiError::forbidden(
            "hub.mode must be subscribe and hub.verify_token this number's verify token",
        ));
    }
    tracing::info!(phone_number_id = %phone_number_id, "WhatsApp webhook verified");
    Ok(params.get("hub.challenge").cloned().unwrap_or_default())
}

async fn notify(
    Path(phone_number_id): Path<String>,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let number = cloud_number(&state, &phone_number_id).await?;
    let app_secret = number
        .cloud
        .as_ref()
        .expect("a Cloud API number")
        .app_secret
        .expose();
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    if let Err(problem) = verify_signature(app_secret.as_bytes(), signature, &body) {
        tracing::warn!(phone_number_id = %phone_number_id, problem = problem.as_str(), "WhatsApp webhook refused");
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_signature",
            problem.as_str(),
        ));
    }
    let notification = parse(&body).map_err(|e| ApiError::bad_request("invalid_payload", e))?;

    // Changes name their number by phone number id. A payload may hold changes of other
    // numbers of the same Meta app (same app secret, so the signature vouches for them);
    // changes of any other number are dropped: a tenant's app secret must not let it
    // speak for another tenant's number. A change's statuses reach only messages of its
    // number's account.
    let owner_of = |n: &bote_store::BusinessNumber| Owner {
        number: n.number.clone(),
        account: n.account,
    };
    let mut owners: HashMap<String, Owner> = HashMap::new();
    owners.insert(phone_number_id.clone(), owner_of(&number.number));
    let others: HashSet<String> = notification
        .entry
        .iter()
        .flat_map(|e| &e.changes)
        .filter_map(|c| c.value.as_ref()?.metadata.as_ref()?.phone_number_id.clone())
        .filter(|id| !owners.contains_key(id))
        .collect();
    for id in others {
        let same_app = state
            .cloud_numbers
            .get(state.store.as_ref(), &id)
            .await?
            .filter(|n| {
                n.cloud.as_ref().is_some_and(|c| {
                    same_secret(c.app_secret.expose().as_bytes(), app_secret.as_bytes())
                })
            });
        match same_app {
            Some(n) => {
                owners.insert(id, owner_of(&n.number));
            }
            None => tracing::warn!(
                phone_number_id = %phone_number_id,
                other = %id,
                "WhatsApp webhook change of a number of another app dropped"
            ),
        }
    }
    let own = owner_of(&number.number);
    let events = events_of(notification, |metadata| {
        match metadata.and_then(|m| m.phone_number_id.as_ref()) {
            None => Some(own.clone()),
            Some(id) => owners.get(id).cloned(),
        }
    });

    let (mut receipts, mut inbound) = (Vec::new(), Vec::new());
    for event in events {
        match event {
            WebhookEvent::Receipt(update) => receipts.push(update),
            WebhookEvent::Inbound(message) => inbound.push(message),
        }
    }
    let count = (receipts.len(), inbound.len());
    // Receipts arriving together are one transaction; so are inbound messages, this
    // delivery's with those of deliveries arriving at the same time.
    let stored = try_join(
        try_join_all(receipts.into_iter().map(|u| state.events.receipts.apply(u))),
        state.events.inbound.receive(inbound),
    )
    .await;
    if let Err(e) = stored {
        return Err(ApiError::internal(
            e.context("storing WhatsApp webhook events"),
        ));
    }
    tracing::debug!(
        phone_number_id = %phone_number_id,
        statuses = count.0,
        messages = count.1,
        "WhatsApp webhook stored"
    );
    Ok(StatusCode::OK)
}
