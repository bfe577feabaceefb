//! `/api/v1/settings/widget`: the opt-in widget's address and look (R8, R22), the same as
//! the web interface's `/settings/widget`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use bote_store::{Widget, WidgetLook};
use serde::Serialize;

use super::{ApiError, ApiJson, ApiResult};
use crate::app::AppState;
use crate::auth::{Manage, Read, Tenant};
use crate::widget::{LookForm, parse_look};

pub fn router() -> Router<AppState> {
    Router::new().route("/settings/widget", get(show).put(update))
}

#[derive(Debug, Serialize)]
struct WidgetSettings {
    /// The hosted page; embed it in an iframe, or with `<script src="{url}/embed.js">`.
    url: String,
    look: WidgetLook,
}

fn settings(state: &AppState, widget: Widget) -> WidgetSettings {
    WidgetSettings {
        url: crate::widget::page_url(&state.public_base, &widget.public_id),
        look: widget.look,
    }
}

async fn show(
    tenant: Tenant<Read>,
    State(state): State<AppState>,
) -> ApiResult<Json<WidgetSettings>> {
    let widget = state.store.widget(tenant.account).await?;
    Ok(Json(settings(&state, widget)))
}

/// Takes the look's fields; a missing text is the default of the language.
async fn update(
    tenant: Tenant<Manage>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LookForm>,
) -> ApiResult<Json<WidgetSettings>> {
    let look = parse_look(&body)
        .map_err(|e| ApiError::invalid(e.field(), "invalid_widget_look", e.to_string()))?;
    let widget = state.store.set_widget_look(tenant.account, &look).await?;
    Ok(Json(settings(&state, widget)))
}
