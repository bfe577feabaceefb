//! The SMTP client (lettre, over tokio with rustls).

use std::time::Duration;

use anyhow::Context;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Email;
use crate::config::{SmtpConfig, SmtpTls};

/// How long one SMTP conversation may take.
const TIMEOUT: Duration = Duration::from_secs(30);

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(config: &SmtpConfig) -> anyhow::Result<Mailer> {
        crate::install_tls_provider();
        let builder = match config.tls {
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
                .with_context(|| format!("SMTP server {}", config.host))?,
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                .with_context(|| format!("SMTP server {}", config.host))?,
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
        };
        let mut builder = builder.port(config.port).timeout(Some(TIMEOUT));
        if let Some((user, password)) = &config.credentials {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        Ok(Mailer {
            transport: builder.build(),
            from: config.from.clone(),
        })
    }

    /// Sends `email` to every address in `to` (one message, all in `To`).
    pub async fn send(&self, to: &[Mailbox], email: &Email) -> anyhow::Result<()> {
        let mut message = Message::builder()
            .from(self.from.clone())
            .subject(&email.subject);
        for mailbox in to {
            message = message.to(mailbox.clone());
        }
        let message = message
            .header(ContentType::TEXT_PLAIN)
            .body(email.body.clone())
            .context("building the email")?;
        self.transport
            .send(message)
            .await
            .context("sending the email over SMTP")?;
        Ok(())
    }
}
