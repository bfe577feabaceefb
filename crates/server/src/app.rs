//! Building and running bote: the same path for `bote serve` and for the test harness.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use bote_store::Store;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::trace::TraceLayer;

use bote_channels::sandbox::{Sandbox, SandboxConfig};
use bote_channels::whatsapp_cloud::CloudApi;
use tokio::sync::Notify;

use crate::auth::PasswordCheck;
use crate::callbacks::{CallbackConfig, CallbackWorker};
use crate::config::Config;
use crate::connections::Connections;
use crate::dispatch::{Channels, DispatchConfig, Dispatcher};
use crate::email::{MailCheck, Mailer};
use crate::inbound::{Events, InboundWorker};
use crate::store_open::open_store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub passwords: Arc<PasswordCheck>,
    /// Wakes the dispatcher when a send was accepted.
    pub wake: Arc<Notify>,
    /// The built-in SMS and WhatsApp channels, with their per-number inboxes.
    pub sandbox: Arc<Sandbox>,
    /// The configured SMPP connections and their states.
    pub connections: Arc<Connections>,
    /// Where provider webhooks hand their receipts and inbound messages.
    pub events: Arc<Events>,
    /// Failed authentications per address and requests per account (`auth::ApiLimits`).
    pub limits: Arc<crate::auth::ApiLimits>,
    /// The SMTP client, when `[smtp]` is configured.
    pub mailer: Option<Arc<Mailer>>,
    /// bote's address for links that leave a request (emails): `public_url`, else the
    /// address it listens on.
    pub public_base: String,
    /// The Cloud API numbers webhook deliveries name, kept briefly.
    pub cloud_numbers: Arc<crate::webhooks::CloudNumbers>,
}

pub struct App {
    state: AppState,
    listener: TcpListener,
    shutdown: CancellationToken,
    dispatcher: Arc<Dispatcher<dyn Store>>,
    callbacks: Arc<CallbackWorker<dyn Store>>,
}

impl App {
    /// Opens and migrates the store named by `config`, and binds `config.listen`.
    pub async fn build(config: Config) -> anyhow::Result<App> {
        let store = open_store(&config.database_url).await?;
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("listening on {}", config.listen))?;
        Ok(Self::with_parts(config, store, listener))
    }

    /// Builds from an open store and a bound listener (tests bind port 0). Must run inside
    /// a tokio runtime: the receipt writer and the sandbox start their tasks here.
    pub fn with_parts(config: Config, store: Arc<dyn Store>, listener: TcpListener) -> App {
        crate::install_tls_provider();
        crate::metrics::handle();
        let events: Arc<Events> = Arc::new(Events::start(
            store.clone(),
            config.default_region,
            config.packages,
        ));
        // Only processes that dispatch bind the SMSCs: an `api` process would add binds
        // (SMSCs limit them per account) that never carry a message.
        let smpp: &[crate::config::SmppConnection] = if config.role.runs_workers() {
            &config.smpp
        } else {
            &[]
        };
        let slots = crate::send_slots::for_store(&store);
        let connections = Arc::new(Connections::start(smpp, events.clone(), slots.clone()));
        let sandbox = Arc::new(Sandbox::start(
            SandboxConfig {
                delivery_delay: config.sandbox_delivery_delay,
                failure_share: config.sandbox_failure_share,
                ..SandboxConfig::default()
            },
            events.clone(),
        ));
        let wake = Arc::new(Notify::new());
        let dispatcher = Arc::new(Dispatcher::new(
            store.clone(),
            Channels {
                sms: connections.sms_routes(sandbox.sms.clone()),
                whatsapp: sandbox.whatsapp.clone(),
                cloud: Arc::new({
                    let cloud = CloudApi::new(config.cloud_config())
                        .expect("an HTTP client for the WhatsApp Cloud API");
                    match slots {
                        Some(slots) => cloud.with_shared_rates(slots),
                        None => cloud,
                    }
                }),
            },
            DispatchConfig {
                // Several loops on SQLite too: claims and outcomes queue on its one writer,
                // but while one step waits for its connections' slots another sends. A
                // broadcast sends 30–40 % more; single-message webhooks, whose writes then
                // take turns with more claims, about 8 % less (BENCHMARKS, session 10).
                loops: 3,
                lease: config.dispatch_lease,
                ..DispatchConfig::default()
            },
            wake.clone(),
        ));
        let callbacks = Arc::new(
            CallbackWorker::new(
                store.clone(),
                CallbackConfig {
                    batch: 200,
                    concurrency: 64,
                    timeout: std::time::Duration::from_secs(10),
                    lease: std::time::Duration::from_secs(60),
                    idle_poll: std::time::Duration::from_millis(200),
                    // While one loop waits on the store, another sends (SQLite: one writer).
                    loops: if store.backend() == "sqlite" { 1 } else { 3 },
                    secret: config.callback_secret.expose().as_bytes().into(),
                },
            )
            .expect("an HTTP client for callbacks"),
        );
        let mailer = config.smtp.as_ref().and_then(|smtp| match Mailer::new(smtp) {
            Ok(m) => Some(Arc::new(m)),
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "SMTP is configured but unusable: no emails");
                None
            }
        });
        let public_base = match &config.public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_owned(),
            None => format!(
                "http://{}",
                listener.local_addr().map_or(config.listen, |a| a)
            ),
        };
        let state = AppState {
            mailer,
            public_base,
            store,
            limits: Arc::new(crate::auth::ApiLimits::new(
                config.api_requests_per_second,
                config.auth_failures_per_minute,
            )),
            config: Arc::new(config),
            passwords: Arc::new(PasswordCheck::default()),
            wake,
            sandbox,
            connections,
            events,
            cloud_numbers: Arc::default(),
        };
        App {
            state,
            listener,
            shutdown: CancellationToken::new(),
            dispatcher,
            callbacks,
        }
    }

    /// The dispatcher, for tests that step it.
    pub fn dispatcher(&self) -> Arc<Dispatcher<dyn Store>> {
        self.dispatcher.clone()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Cancelling this token stops the server gracefully.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Serves HTTP and runs the dispatcher and the callback worker until shutdown, then
    /// unbinds the SMPP connections. The role decides which: `api` runs no worker,
    /// `worker` serves only `/healthz` and `/metrics`.
    pub async fn run(self) -> anyhow::Result<()> {
        let role = self.state.config.role;
        let router = if role.serves_api() {
            router(self.state.clone())
        } else {
            health_router(self.state.clone())
        };
        let token = self.shutdown.clone();
        let mut workers = Vec::new();
        if role.runs_workers() {
            for _ in 0..self.callbacks.loops() {
                workers.push(tokio::spawn(self.callbacks.clone().run(token.clone())));
            }
            if let Some(mailer) = &self.state.mailer {
                let check = Arc::new(MailCheck {
                    store: self.state.store.clone(),
                    mailer: mailer.clone(),
                    public_base: self.state.public_base.clone(),
                });
                workers.push(tokio::spawn(check.run(token.clone())));
            }
            let inbound = InboundWorker::new(
                self.state.store.clone(),
                self.state.events.processor.clone(),
            );
            workers.push(tokio::spawn(inbound.run(token.clone())));
            // Several dispatch loops: while one waits on the store, another sends.
            for _ in 0..self.dispatcher.loops() {
                workers.push(tokio::spawn(self.dispatcher.clone().run(token.clone())));
            }
        }
        // The peer address reaches handlers: the login limit counts attempts per address.
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service)
            .with_graceful_shutdown(async move { token.cancelled().await })
            .await
            .context("serving HTTP")?;
        self.shutdown.cancel();
        for worker in workers {
            let _ = worker.await;
        }
        // Nothing sends any more: unbind cleanly.
        self.state.connections.close().await;
        Ok(())
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", crate::api::router(&state))
        .merge(crate::websms::router())
        .merge(crate::web::router())
        .merge(crate::webhooks::router(&state))
        .merge(crate::metrics::router())
        .layer(axum::middleware::from_fn(crate::metrics::track_requests))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The span of a request names its method and path, never its query: the websms API
/// takes `access_token` there.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        version = ?request.version(),
    )
}

/// A worker's listener: health and metrics, nothing that takes requests for work.
pub fn health_router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .merge(crate::metrics::router())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// 200 once the store answers; 503 when it does not.
async fn healthz(State(state): State<AppState>) -> (StatusCode, axum::Json<serde_json::Value>) {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({
                "status": "ok",
                "store": state.store.backend(),
                "role": state.config.role.as_str(),
            })),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(
                    serde_json::json!({ "status": "unavailable", "store": state.store.backend() }),
                ),
            )
        }
    }
}
