//! Message states and the one table of allowed transitions between them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::UnknownValue;

/// The channel a send goes out on, chosen before the message is written (R16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Sms,
    Whatsapp,
}

impl ChannelKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ChannelKind::Sms => "sms",
            ChannelKind::Whatsapp => "whatsapp",
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ChannelKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sms" => Ok(ChannelKind::Sms),
            "whatsapp" => Ok(ChannelKind::Whatsapp),
            _ => Err(UnknownValue {
                kind: "channel",
                value: s.into(),
                allowed: &["sms", "whatsapp"],
            }),
        }
    }
}

/// Where one message to one recipient stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Accepted and waiting for its time, its window or a dispatcher.
    Queued,
    /// Claimed by a dispatcher and handed to a channel.
    Sending,
    /// The provider accepted it.
    Sent,
    Delivered,
    /// WhatsApp: the recipient read it (can follow `sent` directly).
    Read,
    Undelivered,
    Expired,
    /// Refused by the provider (permanent command status, invalid destination).
    Rejected,
    /// Failed in bote or at the provider for good, after retries where they apply.
    Failed,
    /// Never sent, with a reason (no opt-in, invalid number, outside the test number…).
    Skipped,
    /// The send was cancelled before this message went out.
    Cancelled,
}

use MessageStatus::*;

impl MessageStatus {
    pub const ALL: [MessageStatus; 11] = [
        Queued,
        Sending,
        Sent,
        Delivered,
        Read,
        Undelivered,
        Expired,
        Rejected,
        Failed,
        Skipped,
        Cancelled,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Queued => "queued",
            Sending => "sending",
            Sent => "sent",
            Delivered => "delivered",
            Read => "read",
            Undelivered => "undelivered",
            Expired => "expired",
            Rejected => "rejected",
            Failed => "failed",
            Skipped => "skipped",
            Cancelled => "cancelled",
        }
    }

    /// No dispatcher will touch the message again (a `delivered` one may still become `read`).
    pub fn is_final(&self) -> bool {
        !matches!(self, Queued | Sending | Sent)
    }

    /// The allowed transitions, in one place.
    pub fn can_become(&self, next: MessageStatus) -> bool {
        match (self, next) {
            (Queued, Sending | Cancelled | Failed | Skipped) => true,
            // Retry puts it back; the channel's answer moves it on.
            (Sending, Queued | Sent | Rejected | Failed | Cancelled) => true,
            // A receipt may also report a final state without a `sent` in between.
            (Sending, Delivered | Undelivered | Expired | Read) => true,
            (Sent, Delivered | Read | Undelivered | Expired | Rejected | Failed) => true,
            (Delivered, Read) => true,
            _ => false,
        }
    }
}

impl fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MessageStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownValue {
                kind: "message status",
                value: s.into(),
                allowed: &[
                    "queued",
                    "sending",
                    "sent",
                    "delivered",
                    "read",
                    "undelivered",
                    "expired",
                    "rejected",
                    "failed",
                    "skipped",
                    "cancelled",
                ],
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_states_do_not_go_back() {
        for from in MessageStatus::ALL.into_iter().filter(|s| s.is_final()) {
            for to in MessageStatus::ALL {
                let allowed = from == Delivered && to == Read;
                assert_eq!(from.can_become(to), allowed, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn the_normal_path_is_allowed() {
        assert!(Queued.can_become(Sending));
        assert!(Sending.can_become(Sent));
        assert!(Sent.can_become(Delivered));
        assert!(Sending.can_become(Queued), "retry");
        assert!(!Queued.can_become(Delivered));
        assert!(
            !Sent.can_become(Queued),
            "a sent message is never sent again"
        );
    }

    #[test]
    fn names_round_trip() {
        for s in MessageStatus::ALL {
            assert_eq!(s.as_str().parse::<MessageStatus>().unwrap(), s);
        }
        assert!("lost".parse::<MessageStatus>().is_err());
        assert_eq!(
            "whatsapp".parse::<ChannelKind>().unwrap(),
            ChannelKind::Whatsapp
        );
    }
}
