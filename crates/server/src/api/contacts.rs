//! `/api/v1/contacts`: the phone book (R15).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use bote_domain::{ContactId, PhoneNumber, Region};
use bote_store::{Contact, ContactDraft, ContactQuery, ContactSearch};
use serde::Deserialize;

use super::input::{self, nullable};
use super::query::{PageBody, page_limit, parse_cursor};
use super::{ApiError, ApiJson, ApiQuery, ApiResult};
use crate::app::AppState;
use crate::auth::{Manage, Read, Tenant};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contacts", get(list).post(create))
        .route(
            "/contacts/{id}",
            get(show).put(replace).patch(patch).delete(remove),
        )
}

/// A contact as clients write it (POST, PUT).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    first_name: Option<String>,
    last_name: Option<String>,
    sms_number: Option<String>,
    whatsapp_number: Option<String>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
    groups: Option<Vec<String>>,
}

/// A partial change (PATCH): absent fields stay, `null` clears.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    #[serde(default, deserialize_with = "nullable")]
    first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    sms_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    whatsapp_number: Option<Option<String>>,
    fields: Option<BTreeMap<String, String>>,
    groups: Option<Vec<String>>,
}

impl ContactInput {
    fn into_draft(self, region: Region) -> ApiResult<ContactDraft> {
        let draft = ContactDraft {
            first_name: input::name("first_name", self.first_name.as_deref())?,
            last_name: input::name("last_name", self.last_name.as_deref())?,
            sms_number: input::phone("sms_number", self.sms_number.as_deref(), region)?,
            whatsapp_number: input::phone(
                "whatsapp_number",
                self.whatsapp_number.as_deref(),
                region,
            )?,
            fields: input::fields(self.fields)?,
            groups: self
                .groups
                .as_deref()
                .map(|g| input::group_codes("groups", g))
                .transpose()?,
        };
        require_number(&draft)?;
        Ok(draft)
    }
}

/// R15: a contact has an SMS number, a WhatsApp number, or both.
pub(crate) fn require_number(draft: &ContactDraft) -> ApiResult<()> {
    if draft.sms_number.is_none() && draft.whatsapp_number.is_none() {
        return Err(ApiError::invalid(
            "sms_number",
            "number_required",
            "a contact needs an sms_number, a whatsapp_number or both",
        ));
    }
    Ok(())
}

impl ContactPatch {
    fn apply(self, current: Contact, region: Region) -> ApiResult<ContactDraft> {
        fn pick<T>(change: Option<Option<T>>, current: Option<T>) -> Option<T> {
            match change {
                Some(new) => new,
                None => current,
            }
        }
        let number = |field: &str, change: Option<Option<String>>, current: Option<PhoneNumber>| {
            match change {
                Some(raw) => input::phone(field, raw.as_deref(), region),
                None => Ok(current),
            }
        };
        let first_name = pick(
            self.first_name
                .map(|v| input::name("first_name", v.as_deref()))
                .transpose()?,
            current.first_name,
        );
        let last_name = pick(
            self.last_name
                .map(|v| input::name("last_name", v.as_deref()))
                .transpose()?,
            current.last_name,
        );
        let draft = ContactDraft {
            first_name,
            last_name,
            sms_number: number("sms_number", self.sms_number, current.sms_number)?,
            whatsapp_number: number(
                "whatsapp_number",
                self.whatsapp_number,
                current.whatsapp_number,
            )?,
            fields: match self.fields {
                Some(f) => input::fields(f)?,
                None => current.fields,
            },
            groups: self
                .groups
                .as_deref()
                .map(|g| input::group_codes("groups", g))
                .transpose()?,
        };
        require_number(&draft)?;
        Ok(draft)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    search: Option<String>,
    group: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

/// Turns `?search=` into a store search. A number-like text matches as a substring of the
/// E.164 digits, so `0676 12` finds `+4367612…`; anything else matches names and numbers.
pub fn contact_search(raw: &str, region: Region) -> Option<ContactSearch> {
    let text = raw.trim();
    if text.is_empty() {
        return None;
    }
    let numeric = text
        .chars()
        .all(|c| c.is_ascii_digit() || " +-/().".contains(c));
    if numeric {
        let digits = match PhoneNumber::parse(text, region) {
            Ok(n) => n.digits().to_owned(),
            Err(_) => text
                .chars()
                .filter(char::is_ascii_digit)
                .collect::<String>()
                .trim_start_matches('0')
                .to_owned(),
        };
        if !digits.is_empty() {
            return Some(ContactSearch::Text(digits));
        }
    }
    Some(ContactSearch::Text(text.to_owned()))
}

pub async fn list_page(
    state: &AppState,
    tenant_account: bote_domain::AccountId,
    params: ListParams,
    forced_group: Option<bote_domain::GroupCode>,
) -> ApiResult<PageBody<Contact>> {
    let group = match forced_group {
        Some(g) => Some(g),
        None => params
            .group
            .as_deref()
            .map(|g| input::group_code("group", g))
            .transpose()?,
    };
    let query = ContactQuery {
        search: params
            .search
            .as_deref()
            .and_then(|s| contact_search(s, state.config.default_region)),
        group,
        after: parse_cursor(params.cursor.as_deref())?.map(ContactId),
        limit: page_limit(params.limit)?,
    };
    Ok(state
        .store
        .list_contacts(tenant_account, query)
        .await?
        .into())
}

async fn list(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<PageBody<Contact>>> {
    list_page(&state, tenant.account, params, None)
        .await
        .map(Json)
}

async fn create(
    tenant: Tenant<Manage>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ContactInput>,
) -> ApiResult<(StatusCode, Json<Contact>)> {
    let draft = body.into_draft(state.config.default_region)?;
    let contact = state.store.create_contact(tenant.account, draft).await?;
    Ok((StatusCode::CREATED, Json(contact)))
}

async fn show(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Contact>> {
    Ok(Json(
        state.store.contact(tenant.account, ContactId(id)).await?,
    ))
}

async fn replace(
    tenant: Tenant<Manage>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ContactInput>,
) -> ApiResult<Json<Contact>> {
    let draft = body.into_draft(state.config.default_region)?;
    Ok(Json(
        state
            .store
            .update_contact(tenant.account, ContactId(id), draft)
            .await?,
    ))
}

async fn patch(
    tenant: Tenant<Manage>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ContactPatch>,
) -> ApiResult<Json<Contact>> {
    let current = state.store.contact(tenant.account, ContactId(id)).await?;
    let draft = body.apply(current, state.config.default_region)?;
    Ok(Json(
        state
            .store
            .update_contact(tenant.account, ContactId(id), draft)
            .await?,
    ))
}

/// Deleting a contact never touches opt-ins (R14).
async fn remove(
    tenant: Tenant<Manage>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state
        .store
        .delete_contact(tenant.account, ContactId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_reads_numbers_and_text() {
        let at = Region::AUSTRIA;
        assert_eq!(
            contact_search("0676 1234567", at),
            Some(ContactSearch::Text("436761234567".into()))
        );
        assert_eq!(
            contact_search("0676 12", at),
            Some(ContactSearch::Text("67612".into()))
        );
        assert_eq!(
            contact_search(" Huber ", at),
            Some(ContactSearch::Text("Huber".into()))
        );
        assert_eq!(contact_search("  ", at), None);
    }
}
