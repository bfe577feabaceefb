//! The public widget page a visitor sees, on bote or inside a business's iframe.

use std::net::SocketAddr;
use std::sync::Arc;

use askama::Template;
use axum::extract::{ConnectInfo, Extension, Form, Path, Request, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bote_store::{StoreError, Widget};
use serde::Deserialize;

use super::assets;
use super::card::Card;
use crate::app::AppState;
use crate::web::i18n::Lang;
use crate::web::login::client_ip;
use crate::web::page::{WebError, render};
use crate::widget::{Answer, Handled, VisitorRequest, WidgetLimiter};

/// The widget pages' policy: like the app's, but any site may frame them and the logo may
/// come from any `https` address.
pub const WIDGET_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' https: data:; form-action 'self'; frame-ancestors *; base-uri 'none'; \
    object-src 'none'";

pub async fn widget_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(WIDGET_CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

#[derive(Template)]
#[template(path = "widget_page.html")]
struct WidgetPage {
    card: Card,
    unavailable: bool,
    css_url: &'static str,
    look_url: String,
}

/// The widget with this public id, or the not-found page.
async fn find(state: &AppState, public_id: &str) -> Result<Widget, WebError> {
    state
        .store
        .widget_by_public_id(public_id)
        .await?
        .ok_or(WebError::NotFound(Lang::De))
}

async fn page(state: &AppState, widget: &Widget) -> Result<WidgetPage, WebError> {
    let business = state.store.account(widget.account).await?.name;
    let unavailable = state
        .store
        .whatsapp_numbers(widget.account)
        .await?
        .is_empty();
    let action = format!("/w/{}", widget.public_id);
    Ok(WidgetPage {
        card: Card::new(&widget.look, &business, action.clone()),
        unavailable,
        css_url: assets::css_url(),
        look_url: format!("{action}/look.css?v={}", look_version(widget)),
    })
}

/// Changes whenever the colours change, so the look's stylesheet may be cached.
fn look_version(widget: &Widget) -> String {
    use sha2::{Digest, Sha256};
    let l = &widget.look;
    let hash = Sha256::digest(
        format!("{}{}{}", l.primary_color, l.background_color, l.text_color).as_bytes(),
    );
    hex::encode(&hash[..6])
}

/// `GET /w/{public_id}`.
pub async fn show(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
) -> Result<Response, WebError> {
    let widget = find(&state, &public_id).await?;
    Ok(render(StatusCode::OK, &page(&state, &widget).await?))
}

#[derive(Debug, Deserialize)]
pub struct VisitorForm {
    #[serde(default)]
    number: String,
    /// The honeypot.
    #[serde(default)]
    website: String,
}

/// `POST /w/{public_id}`: a visitor asks for the SMS (R8).
pub async fn submit(
    State(state): State<AppState>,
    Extension(limiter): Extension<Arc<WidgetLimiter>>,
    Path(public_id): Path<String>,
    extensions: Extensions,
    Form(form): Form<VisitorForm>,
) -> Result<Response, WebError> {
    let widget = find(&state, &public_id).await?;
    let visitor = VisitorRequest {
        number: form.number.clone(),
        honeypot: form.website,
        ip: client_ip(extensions.get::<ConnectInfo<SocketAddr>>()),
    };
    let handled = crate::widget::handle(
        state.store.as_ref(),
        state.config.default_region,
        &state.config.packages,
        &limiter,
        &widget,
        visitor,
    )
    .await
    .map_err(|e| WebError::Store(StoreError::Backend(e)))?;
    if let Handled::Queued { .. } = handled {
        state.wake.notify_one();
    }
    let mut page = page(&state, &widget).await?;
    let status = match handled.answer() {
        Answer::Sent => {
            page.card.sent = true;
            StatusCode::OK
        }
        Answer::InvalidNumber => {
            page.card.error = Some(page.card.labels.invalid_number);
            page.card.number = form.number;
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Answer::TooMany => {
            page.card.error = Some(page.card.labels.too_many);
            StatusCode::TOO_MANY_REQUESTS
        }
        Answer::Unavailable => {
            page.unavailable = true;
            StatusCode::OK
        }
    };
    Ok(render(status, &page))
}

/// A colour as saved (`#rrggbb`), or the default when a stored value is anything else.
fn colour<'a>(value: &'a str, default: &'a str) -> &'a str {
    let ok = value.len() == 7
        && value.starts_with('#')
        && value[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok { value } else { default }
}

/// `GET /w/{public_id}/look.css`: the account's colours.
pub async fn look_css(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
) -> Result<Response, WebError> {
    let widget = find(&state, &public_id).await?;
    let l = &widget.look;
    let css = format!(
        ".bw-body {{ --bw-primary: {}; --bw-bg: {}; --bw-text: {}; }}\n",
        colour(&l.primary_color, "#0f766e"),
        colour(&l.background_color, "#ffffff"),
        colour(&l.text_color, "#1f2937"),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        css,
    )
        .into_response())
}

/// `GET /w/{public_id}/embed.js`: inserts the widget page as an iframe where the script
/// tag stands, for businesses that embed with a script.
pub async fn embed_js(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let widget = find(&state, &public_id).await?;
    let business = state.store.account(widget.account).await?.name;
    let url = crate::widget::page_url(&super::public_base(&state, &headers), &widget.public_id);
    let title = crate::widget::WidgetTexts::of(&widget.look, &business).title;
    let js = assets::EMBED_JS
        .replace(
            "\"__PAGE_URL__\"",
            &serde_json::Value::from(url).to_string(),
        )
        .replace("\"__TITLE__\"", &serde_json::Value::from(title).to_string());
    Ok((
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        js,
    )
        .into_response())
}
