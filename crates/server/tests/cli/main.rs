//! The `bote` binary as scripts use it: the fixed points of DESIGN.md hold exactly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

pub(crate) fn bote(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bote"))
        .args(args)
        .env("BOTE_DATABASE_URL", db)
        .env_remove("BOTE_LISTEN")
        .output()
        .expect("bote runs")
}

pub(crate) fn ok(db: &str, args: &[&str]) -> String {
    let out = bote(db, args);
    assert!(
        out.status.success(),
        "bote {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub(crate) fn sqlite(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("cli.db").display())
}

mod accounts;
mod numbers;
mod secrets;
mod setup;
mod whatsapp;
