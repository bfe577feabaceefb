//! `/settings/widget`: the widget's link, the snippets to embed it, and its look with a
//! live preview (R8).

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use bote_domain::AccountId;
use bote_store::{Widget, WidgetLook};
use serde::Deserialize;

use super::assets;
use super::card::Card;
use super::strings::{SettingsStrings, settings_strings};
use crate::app::AppState;
use crate::web::headers::CSP;
use crate::web::page::{Chrome, WebError, render};
use crate::web::session::WebUser;
use crate::widget::{LookForm, WidgetTexts, parse_look};

const PATH: &str = "/settings/widget";

#[derive(Template)]
#[template(path = "widget_settings.html")]
struct SettingsPage {
    chrome: Chrome,
    s: &'static SettingsStrings,
    page_url: String,
    whatsapp_active: bool,
    form: LookForm,
    card: Card,
    defaults_de: WidgetTexts,
    defaults_en: WidgetTexts,
    saved: bool,
    error: Option<String>,
    css_url: &'static str,
    js_url: &'static str,
}

/// The app's policy, except that the preview may show a logo from any `https` address.
fn settings_csp() -> HeaderValue {
    HeaderValue::from_str(&CSP.replace("img-src 'self' data:", "img-src 'self' data: https:"))
        .expect("a valid header value")
}

async fn page(
    state: &AppState,
    user: &WebUser,
    headers: &HeaderMap,
    account: AccountId,
    widget: &Widget,
    form: LookForm,
    shown: &WidgetLook,
) -> Result<SettingsPage, WebError> {
    let business = state.store.account(account).await?.name;
    let whatsapp_active = !state.store.whatsapp_numbers(account).await?.is_empty();
    let mut card = Card::new(shown, &business, "#".into());
    card.preview = true;
    let lang_look = |language: &str| WidgetLook {
        language: language.into(),
        ..WidgetLook::default()
    };
    Ok(SettingsPage {
        chrome: Chrome::for_user(user, PATH),
        s: settings_strings(user.lang),
        page_url: crate::widget::page_url(&super::public_base(state, headers), &widget.public_id),
        whatsapp_active,
        form,
        card,
        defaults_de: WidgetTexts::of(&lang_look("de"), &business),
        defaults_en: WidgetTexts::of(&lang_look("en"), &business),
        saved: false,
        error: None,
        css_url: assets::css_url(),
        js_url: assets::settings_js_url(),
    })
}

fn respond(status: StatusCode, page: &SettingsPage) -> Response {
    let mut response = render(status, page);
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, settings_csp());
    response
}

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    saved: Option<String>,
}

/// `GET /settings/widget`; `?saved=1` after saving.
pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Query(query): Query<ShowQuery>,
) -> Result<Response, WebError> {
    // Account managers have no widget of their own.
    let Some(account) = user.user.account_id else {
        return Ok(Redirect::to("/admin").into_response());
    };
    let widget = state.store.widget(account).await?;
    let form = LookForm::of(&widget.look);
    let mut p = page(
        &state,
        &user,
        &headers,
        account,
        &widget,
        form,
        &widget.look,
    )
    .await?;
    p.saved = query.saved.is_some();
    Ok(respond(StatusCode::OK, &p))
}

#[derive(Debug, Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    look: LookForm,
}

/// `POST /settings/widget`.
pub async fn save(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Form(form): Form<SaveForm>,
) -> Result<Response, WebError> {
    user.check_csrf(&form.csrf)?;
    // Account managers have no widget of their own.
    let Some(account) = user.user.account_id else {
        return Ok(Redirect::to("/admin").into_response());
    };
    match parse_look(&form.look) {
        Ok(look) => {
            state.store.set_widget_look(account, &look).await?;
            Ok(Redirect::to("/settings/widget?saved=1").into_response())
        }
        Err(e) => {
            let widget = state.store.widget(account).await?;
            let mut p = page(
                &state,
                &user,
                &headers,
                account,
                &widget,
                form.look,
                &widget.look,
            )
            .await?;
            p.error = Some(e.to_string());
            Ok(respond(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}
