//! SMS over SMPP through the whole app: connections from the `smpp` configuration, the
//! route table, sends reaching `delivered` through the SMSC's receipts,
//! `GET /api/v1/channels`, and a clean unbind on shutdown. The SMSC is the Node.js one of
//! the channels crate's tests.

mod support;

use std::time::Duration;

use bote::config::parse_smpp_urls;
use bote_domain::UserRole;
use reqwest::Method;
use serde_json::{Value, json};
use support::smsc::Smsc;
use support::{Backend, TestApp, eventually, json_of, spawn_app_with};

async fn app_with_smpp(backend: Backend, urls: &str) -> TestApp {
    let connections = parse_smpp_urls(urls).expect("test SMPP URLs");
    spawn_app_with(backend, move |c| c.smpp = connections).await
}

async fn channels(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.get_json("/api/v1/channels").await;
    assert_eq!(status, 200, "{body}");
    body.as_array().expect("a list of channels").clone()
}

fn named<'a>(list: &'a [Value], name: &str) -> &'a Value {
    list.iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no channel {name} in {list:?}"))
}

async fn wait_bound(app: &TestApp, names: &[&str]) {
    eventually(15, "the SMPP connections bound", || async {
        let list = channels(app).await;
        names
            .iter()
            .all(|n| named(&list, n)["state"] == "bound")
            .then_some(())
    })
    .await;
}

/// Sends one SMS to each of `numbers` and waits until all are delivered; returns the
/// send's messages.
async fn send_and_wait_delivered(app: &TestApp, numbers: &[&str]) -> Vec<Value> {
    let (status, r) = app
        .post_json(
            "/api/v1/sends",
            json!({"channel": "sms", "text": "Hallo from bote", "sender": "bote", "to": {"numbers": numbers}}),
        )
        .await;
    assert_eq!(status, 202, "{r}");
    assert_eq!(r["accepted"], numbers.len(), "{r}");
    let id = r["id"].as_i64().expect("send id");
    eventually(30, "every message delivered", || async {
        let (_, page) = app.get_json(&format!("/api/v1/messages?send={id}")).await;
        let messages = page["data"].as_array().cloned().unwrap_or_default();
        let final_ = messages
            .iter()
            .filter(|m| !matches!(m["status"].as_str(), Some("queued" | "sending" | "sent")))
            .count();
        (messages.len() == numbers.len() && final_ == numbers.len()).then_some(messages)
    })
    .await
    .into_iter()
    .inspect(|m| assert_eq!(m["status"], "delivered", "{m}"))
    .collect()
}

on_both_backends!(
    inbound_sms_from_the_smsc_are_stored_for_the_number_s_account,
    sends_are_delivered_through_the_smsc_and_it_is_unbound_at_shutdown,
    number_prefixes_route_to_their_connection_and_the_rest_to_the_default,
);

async fn sends_are_delivered_through_the_smsc_and_it_is_unbound_at_shutdown(backend: Backend) {
    let smsc = Smsc::start(&[("SMSC_RECEIPT_DELAY_MS", "50")]);
    let app = app_with_smpp(backend, &smsc.url("window=8&name=smsc-a")).await;
    wait_bound(&app, &["smsc-a"]).await;

    let messages =
        send_and_wait_delivered(&app, &["0676 1000001", "0699 1000002", "+49 151 12345678"]).await;
    for m in &messages {
        assert_eq!(m["provider_ids"].as_array().unwrap().len(), 1, "{m}");
    }
    assert_eq!(
        smsc.submitted_to(),
        ["436761000001", "436991000002", "4915112345678"]
    );
    assert!(
        smsc.records("submit")
            .iter()
            .all(|r| r["registered_delivery"] == 1 && r["text"] == "Hallo from bote"),
        "{:?}",
        smsc.records("submit")
    );

    // Tenants see names, states and routes; neither where the SMSC is nor its password.
    let (status, body) = app.get_json("/api/v1/channels").await;
    assert_eq!(status, 200);
    let text = body.to_string();
    assert!(
        !text.contains("secret") && !text.contains("127.0.0.1"),
        "{text}"
    );
    let list = body.as_array().unwrap();
    let names: Vec<&str> = list.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["sandbox", "smsc-a", "sandbox-whatsapp"]);
    let a = named(list, "smsc-a");
    assert_eq!(
        (&a["kind"], &a["provider"], &a["default"], &a["state"]),
        (&json!("sms"), &json!("smpp"), &json!(true), &json!("bound"))
    );
    assert!(a.get("smsc").is_none(), "{a}");
    assert_eq!(
        named(list, "sandbox")["default"],
        false,
        "the sandbox no longer takes SMS"
    );
    assert_eq!(named(list, "sandbox-whatsapp")["kind"], "whatsapp");

    // A read-only token may look too; an account manager also sees the SMSC's address.
    let read_only = app.token_for(bote_domain::TokenScope::ReadOnly).await;
    let (status, _) = json_of(
        app.req_as(&read_only, Method::GET, "/api/v1/channels")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    app.user("boss", "manager-password", UserRole::AccountManager)
        .await;
    let (status, body) = json_of(
        app.client
            .get(app.url("/api/v1/channels"))
            .basic_auth("boss", Some("manager-password"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.to_string().contains("secret"), "{body}");
    let smsc_info = &named(body.as_array().unwrap(), "smsc-a")["smsc"];
    assert_eq!(smsc_info["host"], "127.0.0.1");
    assert_eq!(smsc_info["port"], smsc.port);
    assert_eq!(smsc_info["system_id"], "bote");
    assert_eq!(smsc_info["window"], 8);
    // Operators see the connection in /metrics: up, its window and what is in flight.
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .basic_auth("boss", Some("manager-password"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for series in [
        r#"bote_smpp_connection_up{connection="smsc-a"} 1"#,
        r#"bote_smpp_window_size{connection="smsc-a"} 8"#,
        r#"bote_smpp_window_in_use{connection="smsc-a"} 0"#,
    ] {
        assert!(
            metrics.lines().any(|l| l == series),
            "{series} in:\n{metrics}"
        );
    }
    let (status, _) = json_of(
        app.client
            .get(app.url("/api/v1/channels"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);

    // Shutdown unbinds.
    assert!(smsc.records("unbind").is_empty());
    app.stop();
    let unbinds = smsc
        .wait_records("unbind", 1, Duration::from_secs(10))
        .await;
    assert_eq!(unbinds.len(), 1, "the connection unbinds at shutdown");
}

async fn number_prefixes_route_to_their_connection_and_the_rest_to_the_default(backend: Backend) {
    let magenta = Smsc::start(&[]);
    // This one reports delivery before it answers the submit: the receipt waits for the
    // message's provider id.
    let main = Smsc::start(&[("SMSC_RECEIPT_FIRST", "1")]);
    // The flag/environment form: URLs separated by whitespace or commas.
    let urls = format!(
        "{}, {}",
        magenta.url("name=magenta&routes=43676,+43688"),
        main.url("name=main&default=1")
    );
    let app = app_with_smpp(backend, &urls).await;
    wait_bound(&app, &["magenta", "main"]).await;
    let list = channels(&app).await;
    assert_eq!(named(&list, "magenta")["routes"], json!(["43676", "43688"]));
    assert_eq!(named(&list, "magenta")["default"], false);
    assert_eq!(named(&list, "main")["routes"], json!([]));
    assert_eq!(named(&list, "main")["default"], true);

    send_and_wait_delivered(
        &app,
        &[
            "0676 1000001",
            "0676 1000002",
            "0699 1000003",
            "+49 151 12345678",
            "0688 1000004",
        ],
    )
    .await;
    assert_eq!(
        magenta.submitted_to(),
        ["436761000001", "436761000002", "436881000004"]
    );
    assert_eq!(main.submitted_to(), ["436991000003", "4915112345678"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_smsc_shows_as_reconnecting_with_its_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let app = app_with_smpp(
        Backend::Sqlite,
        &format!("smpp://bote:secret@127.0.0.1:{port}?reconnect_min=100ms&name=down"),
    )
    .await;
    let down = eventually(10, "the connection reconnecting", || async {
        let list = channels(&app).await;
        let down = named(&list, "down").clone();
        (down["state"] == "reconnecting").then_some(down)
    })
    .await;
    assert!(down["last_error"].is_string(), "{down}");
    assert!(down["since"].is_string(), "{down}");
    assert!(!down.to_string().contains("secret"), "{down}");
}

async fn inbound_sms_from_the_smsc_are_stored_for_the_number_s_account(backend: Backend) {
    let mut smsc = Smsc::start(&[]);
    let app = app_with_smpp(backend, &smsc.url("window=8&name=smsc-a")).await;
    app.store
        .add_business_number(
            app.account.id,
            bote_store::NewBusinessNumber::plain(bote_domain::ChannelKind::Sms, "43828"),
        )
        .await
        .unwrap();
    wait_bound(&app, &["smsc-a"]).await;
    smsc.command(json!({"cmd": "mo", "from": "4366412345", "to": "43828", "text": "STOP"}));
    let long = "Bitte schickt mir keine Nachrichten mehr, ich ziehe um. ".repeat(4);
    smsc.command(
        json!({"cmd": "mo", "from": "4366412346", "to": "43828", "text": long, "parts": 3}),
    );
    smsc.command(json!({"cmd": "mo", "from": "4366412347", "to": "43999", "text": "nobody's"}));
    let inbound = eventually(15, "two inbound SMS stored", || async {
        let (_, page) = app.get_json("/api/v1/inbound?channel=sms").await;
        let data = page["data"].as_array().cloned().unwrap_or_default();
        (data.len() == 2).then_some(data)
    })
    .await;
    let stop = inbound
        .iter()
        .find(|m| m["text"] == "STOP")
        .expect("the STOP");
    assert_eq!(stop["from"], "+4366412345", "{stop}");
    assert_eq!(stop["to"], "43828");
    assert_eq!(stop["connection"], "smsc-a");
    let joined = inbound.iter().find(|m| m["from"] == "+4366412346").unwrap();
    assert_eq!(joined["text"], long.as_str(), "three parts reassembled");
    // The SMSC got a successful deliver_sm_resp for each, also for the unrouted one.
    let answers = smsc
        .wait_records("deliver_resp", 5, Duration::from_secs(10))
        .await;
    assert!(answers.iter().all(|a| a["status"] == 0), "{answers:?}");
}
