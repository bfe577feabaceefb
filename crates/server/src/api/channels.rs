//! `/api/v1/channels`: every channel bote sends through — the sandbox SMS and WhatsApp
//! channels and each configured SMPP connection — with its state and routes. Platform
//! information: any caller may read it; only account managers see where an SMSC is
//! (host, port, system_id). Passwords are never shown.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use bote_channels::sandbox::{SANDBOX_NAME, SANDBOX_WHATSAPP_NAME};
use bote_channels::smpp::BindMode;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ApiResult;
use crate::app::AppState;
use crate::auth::Reader;

pub fn router() -> Router<AppState> {
    Router::new().route("/channels", get(list))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Sms,
    Whatsapp,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
enum Provider {
    Sandbox,
    Smpp,
}

/// Where an SMSC is: for account managers only.
#[derive(Debug, Serialize)]
struct Smsc {
    host: String,
    port: u16,
    tls: bool,
    system_id: String,
    bind: &'static str,
    window: usize,
    mps: u32,
}

#[derive(Debug, Serialize)]
struct Channel {
    name: String,
    kind: Kind,
    provider: Provider,
    /// Takes the messages of its kind that no route matches.
    default: bool,
    /// Number prefixes routed to this channel.
    routes: Vec<String>,
    /// `ready` (sandbox), `connecting`, `bound`, `reconnecting` or `closed`.
    state: &'static str,
    since: DateTime<Utc>,
    last_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    smsc: Option<Smsc>,
}

async fn list(reader: Reader, State(state): State<AppState>) -> ApiResult<Json<Vec<Channel>>> {
    let manager = reader.principal.is_account_manager();
    let connections = &state.connections;
    let ready = |name: &str, kind: Kind, default: bool| Channel {
        name: name.to_owned(),
        kind,
        provider: Provider::Sandbox,
        default,
        routes: Vec::new(),
        state: "ready",
        since: connections.started,
        last_error: None,
        smsc: None,
    };
    let mut out = vec![ready(SANDBOX_NAME, Kind::Sms, connections.smpp.is_empty())];
    for link in &connections.smpp {
        let status = link.status();
        let cfg = &link.config;
        out.push(Channel {
            name: link.name.clone(),
            kind: Kind::Sms,
            provider: Provider::Smpp,
            default: link.default,
            routes: link.routes.clone(),
            state: status.state.as_str(),
            since: status.since,
            last_error: status.last_error,
            smsc: manager.then(|| Smsc {
                host: cfg.host.clone(),
                port: cfg.port,
                tls: cfg.tls,
                system_id: cfg.system_id.clone(),
                bind: match cfg.bind {
                    BindMode::Transceiver => "trx",
                    BindMode::TransmitterReceiver => "tx_rx",
                },
                window: cfg.window,
                mps: cfg.mps,
            }),
        });
    }
    out.push(ready(SANDBOX_WHATSAPP_NAME, Kind::Whatsapp, true));
    Ok(Json(out))
}
