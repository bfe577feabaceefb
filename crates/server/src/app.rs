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

use crate::auth::PasswordCheck;
use crate::config::Config;
use crate::store_open::open_store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub passwords: Arc<PasswordCheck>,
}

pub struct App {
    state: AppState,
    listener: TcpListener,
    shutdown: CancellationToken,
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

    /// Builds from an open store and a bound listener (tests bind port 0).
    pub fn with_parts(config: Config, store: Arc<dyn Store>, listener: TcpListener) -> App {
        let state = AppState {
            store,
            config: Arc::new(config),
            passwords: Arc::new(PasswordCheck::default()),
        };
        App {
            state,
            listener,
            shutdown: CancellationToken::new(),
        }
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

    pub async fn run(self) -> anyhow::Result<()> {
        let router = router(self.state.clone());
        let token = self.shutdown.clone();
        axum::serve(self.listener, router)
            .with_graceful_shutdown(async move { token.cancelled().await })
            .await
            .context("serving HTTP")
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", crate::api::router(&state))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// 200 once the store answers; 503 when it does not.
async fn healthz(State(state): State<AppState>) -> (StatusCode, axum::Json<serde_json::Value>) {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({ "status": "ok", "store": state.store.backend() })),
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
