//! `bote serve`

use clap::Args;

use crate::app::App;
use crate::bootstrap::{
    ADMIN_USER, DEMO_ACCOUNT, DEMO_OWNER, DEMO_SMS_SHORT_CODE, DEMO_WHATSAPP_NUMBER, bootstrap,
};
use crate::config::Config;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Env: BOTE_LISTEN. Default 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Serve only HTTP (API, websms, web pages, webhooks); no dispatch, no callbacks, no
    /// SMPP connections. Env: BOTE_ROLE=api.
    #[arg(long, conflicts_with = "worker")]
    pub api: bool,
    /// Run only the workers (dispatch, callbacks, SMPP connections with their receipts and
    /// inbound messages); the listener answers only /healthz and /metrics. Env: BOTE_ROLE=worker.
    #[arg(long)]
    pub worker: bool,
}

impl ServeArgs {
    /// The role the flags ask for, if any (else the `role` key decides).
    pub fn role(&self) -> Option<String> {
        match (self.api, self.worker) {
            (true, _) => Some("api".into()),
            (_, true) => Some("worker".into()),
            _ => None,
        }
    }
}

pub async fn serve(config: Config) -> anyhow::Result<()> {
    if crate::config::is_generated(&config.callback_secret) {
        tracing::warn!(
            "no callback_secret configured: callbacks are signed with a key made for this run only; \
             set BOTE_CALLBACK_SECRET so receivers can check signatures across restarts"
        );
    }
    let app = App::build(config).await?;
    let state = app.state().clone();
    let url = format!("http://{}", app.local_addr());
    tracing::info!(store = %state.config.database_url, "store ready");
    match bootstrap(state.store.as_ref(), state.config.default_time_zone).await? {
        Some(first) => {
            // Printed once: only hashes are kept.
            println!("bote is running at {url}");
            println!();
            println!("First start: created account \"{DEMO_ACCOUNT}\".");
            println!(
                "  owner login:      {DEMO_OWNER} / {}",
                first.owner_password
            );
            println!(
                "  account manager:  {ADMIN_USER} / {}",
                first.admin_password
            );
            println!("  API token:        {}", first.token);
            println!(
                "  sandbox numbers:  WhatsApp {DEMO_WHATSAPP_NUMBER}, SMS short code {DEMO_SMS_SHORT_CODE}"
            );
            println!();
            println!(
                "Try: curl -H 'Authorization: Bearer {}' {url}/api/v1/contacts",
                first.token
            );
            println!(
                "A customer writes: bote sandbox inbound --channel whatsapp --from +436761234567 --to {DEMO_WHATSAPP_NUMBER} --text 'START NEWS'"
            );
            println!(
                "These secrets are shown only now; `bote token create --account {DEMO_ACCOUNT}` makes another token."
            );
        }
        None => println!("bote is running at {url} (log in with your users or API tokens)"),
    }
    let token = app.shutdown_token();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        token.cancel();
    });
    app.run().await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
