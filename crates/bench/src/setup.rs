//! What the WhatsApp benchmarks set up through bote's own CLI: the migrated database, an
//! account `bench` with the large package, its Cloud API business numbers and a token.

use bote_graph_standin::{GraphStandin, StandinConfig, StandinHandle, StandinNumber};

use crate::child::Bote;

/// Signs the stand-in's and the benchmark's webhooks.
pub const APP_SECRET: &str = "bote-bench-app-secret";
/// The bearer token of every benchmark number at the Graph API stand-in.
pub const ACCESS_TOKEN: &str = "bench-access-token";

/// A business number registered with Cloud API credentials.
pub struct CloudNumber {
    /// E.164.
    pub number: String,
    pub phone_number_id: String,
    /// Messages a second; bote's default when `None`.
    pub rate: Option<u32>,
}

impl CloudNumber {
    /// This number as the Graph API stand-in knows it.
    pub fn at_standin(&self) -> StandinNumber {
        StandinNumber {
            phone_number_id: self.phone_number_id.clone(),
            access_token: ACCESS_TOKEN.into(),
            app_secret: APP_SECRET.into(),
            display_number: self.number.trim_start_matches('+').into(),
        }
    }
}

/// A Graph API stand-in in this process that knows only `number` and records no request.
pub async fn quiet_standin(number: &CloudNumber) -> anyhow::Result<StandinHandle> {
    GraphStandin::start(StandinConfig {
        numbers: vec![number.at_standin()],
        record_requests: false,
        ..StandinConfig::default()
    })
    .await
}

/// Migrates, creates the account `bench` with the large package and `numbers`, and
/// returns a full-scope API token.
pub fn whatsapp_account(bote: &Bote, numbers: &[CloudNumber]) -> anyhow::Result<String> {
    bote.cli(&["migrate"])?;
    bote.cli(&["account", "create", "--name", "bench"])?;
    bote.cli(&[
        "whatsapp",
        "activate",
        "--account",
        "bench",
        "--package",
        "large",
    ])?;
    for n in numbers {
        let mut args = vec![
            "number",
            "add",
            "--account",
            "bench",
            "--whatsapp",
            "--number",
            &n.number,
            "--phone-number-id",
            &n.phone_number_id,
            "--access-token",
            ACCESS_TOKEN,
            "--app-secret",
            APP_SECRET,
            "--verify-token",
            "bench-verify",
        ];
        let rate = n.rate.map(|r| r.to_string());
        if let Some(rate) = &rate {
            args.extend(["--rate", rate]);
        }
        bote.cli(&args)?;
    }
    full_token(bote)
}

/// A full-scope API token of the account `bench`.
pub fn full_token(bote: &Bote) -> anyhow::Result<String> {
    bote.cli(&[
        "token",
        "create",
        "--account",
        "bench",
        "--scope",
        "full",
        "--name",
        "bench",
    ])
}
