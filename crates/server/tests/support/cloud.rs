//! A Cloud API business number of acme's against the Graph API stand-in, opt-ins, and
//! inbound messages that open a number's 24-hour customer-service window.

use bote_domain::{ChannelKind, PhoneNumber, Region};
use bote_graph_standin::{GraphStandin, StandinConfig, StandinHandle, StandinNumber};
use bote_store::{
    CloudCredentials, ConsentSource, NewBusinessNumber, NewInbound, Secret, SourceKind,
};
use chrono::{DateTime, Utc};

use super::{Backend, TestApp, spawn_app_with};

/// The Cloud API number's phone number id and number.
pub const PHONE_NUMBER_ID: &str = "1096";
pub const CLOUD_NUMBER: &str = "+43800200200";

/// The app (acme has the harness's sandbox number first and [`CLOUD_NUMBER`] through the
/// Cloud API) and the stand-in, which sends no webhooks.
pub async fn cloud_app(backend: Backend) -> (TestApp, StandinHandle) {
    let standin = GraphStandin::start(StandinConfig {
        numbers: vec![StandinNumber {
            phone_number_id: PHONE_NUMBER_ID.into(),
            access_token: "EAAG-token".into(),
            app_secret: "app-secret".into(),
            display_number: CLOUD_NUMBER.trim_start_matches('+').into(),
        }],
        ..StandinConfig::default()
    })
    .await
    .unwrap();
    let base = standin.base_url();
    let app = spawn_app_with(backend, |c| c.whatsapp_api_base = base.parse().unwrap()).await;
    app.store
        .add_business_number(
            app.account.id,
            cloud_number(CLOUD_NUMBER, PHONE_NUMBER_ID, "EAAG-token", "app-secret"),
        )
        .await
        .unwrap();
    (app, standin)
}

/// A WhatsApp business number with Cloud API credentials (verify token `verify`), to add.
pub fn cloud_number(
    number: &str,
    phone_number_id: &str,
    access_token: &str,
    app_secret: &str,
) -> NewBusinessNumber {
    NewBusinessNumber {
        cloud: Some(CloudCredentials {
            access_token: Secret::new(access_token),
            app_secret: Secret::new(app_secret),
            verify_token: Secret::new("verify"),
        }),
        ..NewBusinessNumber::plain(ChannelKind::Whatsapp, number).with_provider_ref(phone_number_id)
    }
}

pub fn e164(number: &str) -> String {
    PhoneNumber::parse(number, Region::AUSTRIA)
        .unwrap()
        .as_str()
        .to_owned()
}

/// R6: the business holds these recipients' opt-ins.
pub async fn opted_in(app: &TestApp, numbers: &[&str]) {
    for n in numbers {
        let number = PhoneNumber::parse(n, Region::AUSTRIA).unwrap();
        let source = ConsentSource {
            kind: SourceKind::Api,
            reference: Some("test".into()),
            text: None,
            business_number: None,
        };
        app.store
            .give_opt_in(app.account.id, &number, source, None)
            .await
            .unwrap();
    }
}

/// `from` wrote to business number `to` at `at`, as the webhook records it.
pub async fn wrote(app: &TestApp, from: &str, to: &str, at: DateTime<Utc>) {
    let from = e164(from);
    app.store
        .record_inbound(NewInbound {
            channel: ChannelKind::Whatsapp,
            connection: "whatsapp-cloud".into(),
            provider_id: Some(format!("wamid.in-{from}-{}", at.timestamp_micros())),
            from,
            to: to.into(),
            kind: "text".into(),
            text: Some("Hallo".into()),
            received_at: at,
        })
        .await
        .unwrap();
}
