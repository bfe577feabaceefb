//! What one `bote serve` process runs, so several processes on one PostgreSQL database can
//! split the work: `api` serves HTTP (API, websms, web pages, webhooks), `worker` runs the
//! dispatcher, the callback worker and the SMPP connections (receipts and inbound messages
//! arrive through them) behind a listener that only answers `/healthz` and `/metrics`;
//! `all` (the default) does both.

use anyhow::bail;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    All,
    Api,
    Worker,
}

impl Role {
    /// Reads the `role` key: `all`, `api` or `worker`.
    pub fn parse(s: &str) -> anyhow::Result<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "all" | "" => Ok(Role::All),
            "api" => Ok(Role::Api),
            "worker" => Ok(Role::Worker),
            other => bail!("config key `role`: '{other}' is not one of all, api, worker"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::All => "all",
            Role::Api => "api",
            Role::Worker => "worker",
        }
    }

    /// Serves the HTTP API, websms, the web pages and the provider webhooks.
    pub fn serves_api(self) -> bool {
        self != Role::Worker
    }

    /// Dispatches, delivers callbacks and keeps the SMPP connections bound.
    pub fn runs_workers(self) -> bool {
        self != Role::Api
    }
}
