//! The contacts pages (R15, R22): a list with search and group filter, paged by id (the
//! store's keyset pages, so the millionth contact costs what the first does), and forms to
//! create, edit and delete a contact. Input is checked by the API's validators, so a
//! number or group the API refuses is refused here with the same message.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bote_domain::{AccountId, ContactId};
use bote_store::{Contact, ContactDraft, ContactQuery};
use serde::Deserialize;

use super::page::{Chrome, WebError, render};
use super::refusal::refusal;
use super::session::{CsrfForm, WebUser};
use crate::api::ApiError;
use crate::api::contacts::{contact_search, require_number};
use crate::api::input;
use crate::app::AppState;

/// Contacts on one page of the list.
const PAGE: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    group: String,
    after: Option<i64>,
}

struct Row {
    id: i64,
    name: String,
    sms: String,
    whatsapp: String,
    groups: String,
}

impl Row {
    fn from(c: &Contact) -> Row {
        let name = [c.first_name.as_deref(), c.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        Row {
            id: c.id.0,
            name,
            sms: c
                .sms_number
                .as_ref()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
            whatsapp: c
                .whatsapp_number
                .as_ref()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
            groups: c
                .groups
                .iter()
                .map(|g| g.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

#[derive(Template)]
#[template(path = "contacts.html")]
struct ListPage {
    chrome: Chrome,
    q: String,
    group: String,
    groups: Vec<String>,
    rows: Vec<Row>,
    error: Option<String>,
    /// The query string of the next page, when there is one.
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    sms_number: String,
    #[serde(default)]
    whatsapp_number: String,
    /// Group codes separated by commas or spaces.
    #[serde(default)]
    groups: String,
}

#[derive(Template)]
#[template(path = "contact_form.html")]
struct FormPage {
    chrome: Chrome,
    /// `None` for a new contact.
    id: Option<i64>,
    form: ContactForm,
    error: Option<String>,
}

fn account(user: &WebUser) -> Result<AccountId, WebError> {
    user.user.account_id.ok_or(WebError::Forbidden(user.lang))
}

/// Every group code of the account, for the filter.
async fn group_codes(state: &AppState, account: AccountId) -> Result<Vec<String>, WebError> {
    let mut codes = Vec::new();
    let mut after = None;
    loop {
        let page = state.store.list_groups(account, after, 1000).await?;
        codes.extend(page.items.iter().map(|g| g.code.as_str().to_owned()));
        match page.next_after {
            Some(next) => after = Some(bote_domain::GroupId(next)),
            None => return Ok(codes),
        }
    }
}

/// `GET /contacts`.
pub async fn list(
    State(state): State<AppState>,
    user: WebUser,
    Query(params): Query<ListParams>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    let mut error = None;
    let group = match params.group.trim() {
        "" => None,
        g => match input::group_code("group", g) {
            Ok(code) => Some(code),
            Err(e) => {
                error = Some(e.message);
                None
            }
        },
    };
    let query = ContactQuery {
        search: contact_search(&params.q, state.config.default_region),
        group,
        after: params.after.map(ContactId),
        limit: PAGE,
    };
    let page = match state.store.list_contacts(account, query).await {
        Ok(page) => page,
        Err(bote_store::StoreError::NotFound(what))
        | Err(bote_store::StoreError::Unknown { what, .. }) => {
            error = Some(format!("unknown {what}"));
            bote_store::Page {
                items: Vec::new(),
                next_after: None,
            }
        }
        Err(e) => return Err(e.into()),
    };
    let next = page.next_after.map(|after| {
        format!(
            "q={}&group={}&after={after}",
            urlencoding(&params.q),
            urlencoding(&params.group)
        )
    });
    Ok(render(
        StatusCode::OK,
        &ListPage {
            chrome: Chrome::for_user(&user, "/contacts"),
            groups: group_codes(&state, account).await?,
            q: params.q,
            group: params.group,
            rows: page.items.iter().map(Row::from).collect(),
            error,
            next,
        },
    ))
}

/// Percent-encodes a query value.
fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The draft a form describes, checked as the API checks it.
fn draft(state: &AppState, form: &ContactForm) -> Result<ContactDraft, ApiError> {
    let region = state.config.default_region;
    let groups: Vec<String> = form
        .groups
        .split([',', ' '])
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .collect();
    let draft = ContactDraft {
        first_name: input::name("first_name", Some(&form.first_name))?,
        last_name: input::name("last_name", Some(&form.last_name))?,
        sms_number: input::phone("sms_number", Some(&form.sms_number), region)?,
        whatsapp_number: input::phone("whatsapp_number", Some(&form.whatsapp_number), region)?,
        fields: Default::default(),
        groups: Some(input::group_codes("groups", &groups)?),
    };
    require_number(&draft)?;
    Ok(draft)
}

fn form_page(
    user: &WebUser,
    id: Option<i64>,
    form: ContactForm,
    error: Option<String>,
) -> Response {
    let path = id.map_or("/contacts/new".to_owned(), |id| format!("/contacts/{id}"));
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(
        status,
        &FormPage {
            chrome: Chrome::for_user(user, &path),
            id,
            form,
            error,
        },
    )
}

/// `GET /contacts/new`.
pub async fn new(user: WebUser) -> Result<Response, WebError> {
    account(&user)?;
    Ok(form_page(&user, None, ContactForm::default(), None))
}

/// `POST /contacts/new`.
pub async fn create(
    State(state): State<AppState>,
    user: WebUser,
    Form(form): Form<ContactForm>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    let result = match draft(&state, &form) {
        Ok(draft) => state
            .store
            .create_contact(account, draft)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(contact) => Ok(Redirect::to(&format!("/contacts/{}", contact.id.0)).into_response()),
        Err(e) if e.status.is_server_error() => Err(WebError::Store(
            bote_store::StoreError::Backend(anyhow::anyhow!(e.message)),
        )),
        Err(e) => Ok(form_page(&user, None, form, Some(refusal(e)))),
    }
}

/// `GET /contacts/{id}`: the edit form.
pub async fn edit(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    let contact = match state.store.contact(account, ContactId(id)).await {
        Ok(c) => c,
        Err(bote_store::StoreError::NotFound(_)) => return Err(WebError::NotFound(user.lang)),
        Err(e) => return Err(e.into()),
    };
    let form = ContactForm {
        csrf: String::new(),
        first_name: contact.first_name.unwrap_or_default(),
        last_name: contact.last_name.unwrap_or_default(),
        sms_number: contact
            .sms_number
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default(),
        whatsapp_number: contact
            .whatsapp_number
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default(),
        groups: contact
            .groups
            .iter()
            .map(|g| g.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    };
    Ok(form_page(&user, Some(id), form, None))
}

/// `POST /contacts/{id}`: saves the edit form. Custom fields are kept as they were.
pub async fn update(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
    Form(form): Form<ContactForm>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    let current = match state.store.contact(account, ContactId(id)).await {
        Ok(c) => c,
        Err(bote_store::StoreError::NotFound(_)) => return Err(WebError::NotFound(user.lang)),
        Err(e) => return Err(e.into()),
    };
    let result = match draft(&state, &form) {
        Ok(mut draft) => {
            draft.fields = current.fields;
            state
                .store
                .update_contact(account, ContactId(id), draft)
                .await
                .map_err(ApiError::from)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/contacts").into_response()),
        Err(e) if e.status.is_server_error() => Err(WebError::Store(
            bote_store::StoreError::Backend(anyhow::anyhow!(e.message)),
        )),
        Err(e) => Ok(form_page(&user, Some(id), form, Some(refusal(e)))),
    }
}

/// `POST /contacts/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    let account = account(&user)?;
    user.check_csrf(&form.csrf)?;
    match state.store.delete_contact(account, ContactId(id)).await {
        Ok(()) => Ok(Redirect::to("/contacts").into_response()),
        Err(bote_store::StoreError::NotFound(_)) => Err(WebError::NotFound(user.lang)),
        Err(e) => Err(e.into()),
    }
}
