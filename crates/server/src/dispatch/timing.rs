//! Where a dispatch round's time goes: claiming, building, sending and recording, each
//! exported as `bote_dispatch_part_seconds{channel,part}` and logged per round at debug
//! level (`BOTE_LOG=bote::dispatch=debug`), so the slowest part shows under load.

use std::time::{Duration, Instant};

use bote_domain::ChannelKind;

use crate::metrics::DISPATCH_PART;

/// The parts of one round. `send` is wall time from the first send to the last outcome;
/// `record` is the time spent in `record_outcomes`, which overlaps the sends; `tail` is
/// what the round waited for recording after the last send.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct RoundTimes {
    pub claim: Duration,
    pub build: Duration,
    pub send: Duration,
    pub record: Duration,
    pub tail: Duration,
}

/// Measures from `start` to now, and moves `start` to now.
pub(super) fn lap(start: &mut Instant) -> Duration {
    let now = Instant::now();
    let took = now - *start;
    *start = now;
    took
}

impl RoundTimes {
    pub(super) fn report(&self, channel: ChannelKind, claimed: usize, recorded: u64) {
        let ch = channel.as_str();
        for (part, took) in [
            ("claim", self.claim),
            ("build", self.build),
            ("send", self.send),
            ("record", self.record),
            ("tail", self.tail),
        ] {
            metrics::histogram!(DISPATCH_PART, "channel" => ch, "part" => part)
                .record(took.as_secs_f64());
        }
        tracing::debug!(
            channel = ch,
            claimed,
            recorded,
            claim_ms = ms(self.claim),
            build_ms = ms(self.build),
            send_ms = ms(self.send),
            record_ms = ms(self.record),
            tail_ms = ms(self.tail),
            "dispatch round"
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
