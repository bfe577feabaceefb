//! `bote number` (sandbox and Cloud API numbers) and `bote sandbox inbound`.

use super::*;

#[test]
fn business_numbers_and_the_sandbox_handset() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(&dir);
    ok(&db, &["account", "create", "--name", "acme"]);
    let id = ok(
        &db,
        &[
            "number",
            "add",
            "--account",
            "acme",
            "--whatsapp",
            "0800 100100",
            "--provider-ref",
            "1096",
        ],
    );
    assert!(id.trim().parse::<i64>().is_ok(), "{id}");
    ok(
        &db,
        &["number", "add", "--account", "acme", "--sms", "0828"],
    );
    let taken = bote(
        &db,
        &[
            "number",
            "add",
            "--account",
            "acme",
            "--whatsapp",
            "+43800100100",
        ],
    );
    assert!(!taken.status.success());
    assert!(String::from_utf8_lossy(&taken.stderr).contains("already belongs"));
    let list = ok(&db, &["number", "list", "--account", "acme"]);
    assert!(list.contains("whatsapp\t+43800100100\t1096"), "{list}");
    assert!(list.contains("sms\t0828"), "{list}");

    let inbound = ok(
        &db,
        &[
            "sandbox",
            "inbound",
            "--channel",
            "whatsapp",
            "--from",
            "0676 1000001",
            "--to",
            "+43800100100",
            "--text",
            "START NEWS",
        ],
    );
    assert!(inbound.trim().parse::<i64>().is_ok(), "{inbound}");
    let unknown = bote(
        &db,
        &[
            "sandbox",
            "inbound",
            "--channel",
            "sms",
            "--from",
            "0676 1000001",
            "--to",
            "0999",
            "--text",
            "Hi",
        ],
    );
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("--to"),
        "{unknown:?}"
    );
}

/// R1: `bote number add --whatsapp --phone-number-id …` registers a Cloud API number; its
/// secrets come from flags or the environment and are never printed back.
#[test]
fn cloud_api_numbers_keep_their_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(&dir);
    ok(&db, &["account", "create", "--name", "acme"]);
    let id = ok(
        &db,
        &[
            "number",
            "add",
            "--account",
            "acme",
            "--whatsapp",
            "--phone-number-id",
            "106540352242922",
            "--number",
            "+43 800 100100",
            "--access-token",
            "EAAG-flag-token",
            "--app-secret",
            "flag-app-secret",
            "--verify-token",
            "flag-verify-token",
            "--rate",
            "200",
        ],
    );
    assert!(id.trim().parse::<i64>().is_ok(), "{id}");
    // Secrets from the environment, out of shell history.
    let from_env = Command::new(env!("CARGO_BIN_EXE_bote"))
        .args([
            "number",
            "add",
            "--account",
            "acme",
            "--whatsapp",
            "--phone-number-id",
            "2001",
            "--number",
            "+43800200200",
        ])
        .env("BOTE_DATABASE_URL", &db)
        .env("BOTE_WHATSAPP_ACCESS_TOKEN", "EAAG-env-token")
        .env("BOTE_WHATSAPP_APP_SECRET", "env-app-secret")
        .env("BOTE_WHATSAPP_VERIFY_TOKEN", "env-verify-token")
        .output()
        .unwrap();
    assert!(
        from_env.status.success(),
        "{}",
        String::from_utf8_lossy(&from_env.stderr)
    );
    // The old forms still work: a sandbox WhatsApp number and an SMS short code.
    ok(
        &db,
        &[
            "number",
            "add",
            "--account",
            "acme",
            "--whatsapp",
            "+43800300300",
        ],
    );
    ok(
        &db,
        &["number", "add", "--account", "acme", "--sms", "0828"],
    );

    let list = ok(&db, &["number", "list"]);
    assert!(
        list.contains("whatsapp\t+43800100100\t106540352242922\tcloud api"),
        "{list}"
    );
    assert!(
        list.contains("whatsapp\t+43800200200\t2001\tcloud api"),
        "{list}"
    );
    assert!(list.contains("whatsapp\t+43800300300\t\tsandbox"), "{list}");
    assert!(list.contains("sms\t0828"), "{list}");
    for secret in [
        "EAAG-flag-token",
        "flag-app-secret",
        "flag-verify-token",
        "EAAG-env-token",
        "env-app-secret",
        "env-verify-token",
    ] {
        assert!(!list.contains(secret), "{secret} printed: {list}");
    }

    // Incomplete credentials name the missing flag and write nothing.
    let missing = bote(
        &db,
        &[
            "number",
            "add",
            "--account",
            "acme",
            "--whatsapp",
            "--phone-number-id",
            "3001",
            "--number",
            "+43800400400",
            "--access-token",
            "EAAG-x",
        ],
    );
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("--app-secret"), "{stderr}");
    let rate = bote(
        &db,
        &[
            "number",
            "add",
            "--account",
            "acme",
            "--whatsapp",
            "--phone-number-id",
            "3001",
            "--number",
            "+43800400400",
            "--access-token",
            "EAAG-x",
            "--app-secret",
            "s",
            "--verify-token",
            "v",
            "--rate",
            "0",
        ],
    );
    assert!(!rate.status.success());
    assert!(String::from_utf8_lossy(&rate.stderr).contains("--rate"));
    let taken = bote(
        &db,
        &[
            "number",
            "add",
            "--account",
            "acme",
            "--whatsapp",
            "--phone-number-id",
            "2001",
            "--number",
            "+43800500500",
            "--access-token",
            "a",
            "--app-secret",
            "b",
            "--verify-token",
            "c",
        ],
    );
    assert!(!taken.status.success());
    assert!(
        String::from_utf8_lossy(&taken.stderr).contains("phone number id 2001 already belongs")
    );
    assert!(!ok(&db, &["number", "list"]).contains("+43800400400"));
}
