//! The `graph-standin` binary as benchmarks start it: flags in, its address out, sends
//! answered and counted.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

struct Kill(std::process::Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_prints_its_address_and_serves() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut child = Kill(
        Command::new(env!("CARGO_BIN_EXE_graph-standin"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--number",
                "1234:tok:sec:+43800100100",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("graph-standin starts"),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("graph-standin listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    let http = reqwest::Client::new();
    let answer: serde_json::Value = http
        .post(format!("{base}/v21.0/1234/messages"))
        .bearer_auth("tok")
        .json(
            &serde_json::json!({"messaging_product": "whatsapp", "to": "4367612345678",
            "type": "text", "text": {"body": "hi"}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        answer["messages"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("wamid.")
    );
    assert_eq!(answer["contacts"][0]["wa_id"], "4367612345678");
    let stats: serde_json::Value = http
        .get(format!("{base}/_standin/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["accepted"], 1);
    // Recording is off by default in the binary: memory stays flat under load.
    let recorded: serde_json::Value = http
        .get(format!("{base}/_standin/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(recorded, serde_json::json!([]));
}
