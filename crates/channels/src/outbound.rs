use std::time::Duration;

use bote_domain::{PhoneNumber, Sender};

/// What an SMS carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsBody {
    /// Text; the channel picks the alphabet and concatenates when it is long.
    Text(String),
    /// 8-bit binary segments (websms binary), each sent as its own SMS as given; `udh`
    /// when each segment starts with a user data header the client built.
    Binary { segments: Vec<Vec<u8>>, udh: bool },
}

impl SmsBody {
    /// A readable form for logs and the sandbox: the text, or the segments in hex.
    pub fn summary(&self) -> String {
        match self {
            SmsBody::Text(text) => text.clone(),
            SmsBody::Binary { segments, udh } => {
                let hex: Vec<String> = segments
                    .iter()
                    .map(|s| s.iter().map(|b| format!("{b:02x}")).collect())
                    .collect();
                format!(
                    "[binary {} segment{}{}] {}",
                    segments.len(),
                    if segments.len() == 1 { "" } else { "s" },
                    if *udh { ", udh" } else { "" },
                    hex.join(" ")
                )
            }
        }
    }
}

impl From<String> for SmsBody {
    fn from(text: String) -> Self {
        SmsBody::Text(text)
    }
}

impl From<&str> for SmsBody {
    fn from(text: &str) -> Self {
        SmsBody::Text(text.to_owned())
    }
}

/// One SMS to one recipient, ready to go: text rendered, sender validated.
#[derive(Debug, Clone)]
pub struct OutboundSms {
    /// bote's message id, for logs and correlation.
    pub message_id: i64,
    pub to: PhoneNumber,
    pub sender: Option<Sender>,
    pub body: SmsBody,
    pub flash: bool,
    /// How long the SMSC should keep trying.
    pub validity: Option<Duration>,
    /// 1 (lowest) to 9, websms' `priority`; channels map it where they can.
    pub priority: Option<u8>,
    /// Ask for a delivery report.
    pub want_receipt: bool,
}

/// What a channel says about one send attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// The provider took the message. SMPP answers one id per part of a concatenated SMS.
    Accepted { provider_ids: Vec<String> },
    /// Try again later (throttled, queue full, connection down, timeout).
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// The provider refused it for good; `code` is the provider's status (e.g. `ESME_RINVDSTADR`).
    Rejected { code: String, reason: String },
    /// It cannot be sent, for a reason of bote's side (e.g. the text cannot be encoded).
    Failed { reason: String },
}

#[async_trait::async_trait]
pub trait SmsChannel: Send + Sync {
    /// The connection's configured name, for logs, routes and metrics.
    fn name(&self) -> &str;
    /// SMS segments a second the connection sends at most (0: no limit of its own); the
    /// dispatcher paces its work by it.
    fn rate(&self) -> u32 {
        0
    }
    async fn send(&self, sms: &OutboundSms) -> SendOutcome;
}

#[cfg(test)]
mod tests {
    use super::SmsBody;

    #[test]
    fn summaries_are_readable() {
        assert_eq!(SmsBody::from("Hallo").summary(), "Hallo");
        let body = SmsBody::Binary {
            segments: vec![vec![5, 0, 3, 0x2a, 2, 1, 0xde], vec![0xad]],
            udh: true,
        };
        assert_eq!(body.summary(), "[binary 2 segments, udh] 0500032a0201de ad");
    }
}
