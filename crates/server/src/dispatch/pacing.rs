//! Pacing: each rate-limited connection (an SMPP bind with `mps`, a Cloud API business
//! number) is a lane, and a dispatch step hands a lane no more than it can send within the
//! horizon. The rest of a claim for that lane is deferred in the store to the time its slot
//! comes, one slot after another at the lane's rate, so that later claims, which take the
//! oldest due messages, hold the due work of every lane side by side.
//!
//! Without it a large send through one slow connection fills every claim, and each step
//! waits on that connection's throttle while other connections idle: one business number's
//! 1,000/s broadcast held back the nineteen other numbers, and a campaign on a slow SMPP
//! route held back one-off SMS on every other route.
//!
//! The lanes are this process's own view; the connection's throttle (shared between
//! processes where configured) still decides the real slot. A lane that falls behind its
//! schedule (the provider throttles) sends deferred messages that come due late once they
//! fit again, and defers them behind its queue otherwise. The rest of a send is paced once
//! per schedule: a lane that falls behind (dispatch slower than its rate) would otherwise
//! move the same due messages behind its queue again at every overflow, rewriting each of
//! them every time (3.3 million rows rewritten for a 1,000,000-message broadcast).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use bote_domain::SendId;
use chrono::{DateTime, Utc};

/// Lanes kept before idle ones are forgotten.
const LANES_KEPT: usize = 4_096;

/// What to do with one message of a lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// Send it in this step.
    Now,
    /// Leave it in the store until then: its slot comes at about this time plus half the
    /// horizon, so it is claimed a little before it.
    Later(DateTime<Utc>),
}

#[derive(Debug, Clone, Copy)]
struct Lane {
    /// When the sends handed out so far are through, at the lane's rate.
    sending_until: DateTime<Utc>,
    /// When the messages deferred so far are through.
    queued_until: DateTime<Utc>,
}

pub struct Pacer {
    horizon: chrono::Duration,
    lanes: Mutex<HashMap<String, Lane>>,
    /// Sends whose rest was paced on a lane, until the end of that schedule.
    rests: Mutex<HashMap<(SendId, String), DateTime<Utc>>>,
}

impl Pacer {
    /// `horizon`: how far ahead of its rate a lane is given work.
    pub fn new(horizon: Duration) -> Pacer {
        Pacer {
            horizon: chrono::Duration::from_std(horizon).expect("horizon fits"),
            lanes: Mutex::new(HashMap::new()),
            rests: Mutex::new(HashMap::new()),
        }
    }

    /// Books `slots` sends (SMS segments; 1 for WhatsApp) on `lane`, which sends `rate` a
    /// second (0: unlimited, never paced).
    pub fn book(&self, lane: &str, rate: u32, slots: u32, now: DateTime<Utc>) -> Pace {
        if rate == 0 {
            return Pace::Now;
        }
        let need = interval(rate) * i32::try_from(slots.max(1)).unwrap_or(i32::MAX);
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        if lanes.len() >= LANES_KEPT && !lanes.contains_key(lane) {
            lanes.retain(|_, l| l.sending_until.max(l.queued_until) > now);
        }
        if !lanes.contains_key(lane) {
            let fresh = Lane {
                sending_until: now,
                queued_until: now,
            };
            lanes.insert(lane.to_owned(), fresh);
        }
        let l = lanes.get_mut(lane).expect("inserted above");
        let start = l.sending_until.max(now);
        if start - now <= self.horizon {
            l.sending_until = start + need;
            return Pace::Now;
        }
        let slot = l.queued_until.max(start);
        l.queued_until = slot + need;
        Pace::Later(slot - self.horizon / 2)
    }

    /// When the next message deferred behind `lane`'s queue is due (half a horizon before
    /// its slot); with [`extend`](Self::extend) the dispatcher paces the rest of a send at
    /// once (`OutboxStore::pace_send`).
    pub fn queue_end(&self, lane: &str, now: DateTime<Utc>) -> DateTime<Utc> {
        let lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        let slot = lanes
            .get(lane)
            .map_or(now, |l| l.queued_until.max(l.sending_until))
            .max(now);
        slot - self.horizon / 2
    }

    /// Books `count` slots at the end of `lane`'s queue at `rate` (> 0).
    pub fn extend(&self, lane: &str, rate: u32, count: u64, now: DateTime<Utc>) {
        let need = interval(rate) * i32::try_from(count).unwrap_or(i32::MAX);
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = lanes.get_mut(lane) {
            l.queued_until = l.queued_until.max(l.sending_until).max(now) + need;
        }
    }

    /// Whether the rest of `send` was paced on `lane` and its schedule is still running.
    pub fn rest_paced(&self, send: SendId, lane: &str, now: DateTime<Utc>) -> bool {
        let rests = self.rests.lock().unwrap_or_else(|e| e.into_inner());
        rests
            .get(&(send, lane.to_owned()))
            .is_some_and(|until| *until > now)
    }

    /// Records that the rest of `send` is paced on `lane` until `until`; forgets schedules
    /// that have run out.
    pub fn pace_rest(&self, send: SendId, lane: &str, until: DateTime<Utc>, now: DateTime<Utc>) {
        let mut rests = self.rests.lock().unwrap_or_else(|e| e.into_inner());
        rests.retain(|_, end| *end > now);
        rests.insert((send, lane.to_owned()), until);
    }

    /// Whether some lane has deferred work still to come: the dispatcher then looks for
    /// due work more often than when idle.
    pub fn queued(&self, now: DateTime<Utc>) -> bool {
        let lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        lanes.values().any(|l| l.queued_until > now)
    }
}

/// The time one slot takes at `rate` (> 0) a second.
pub fn interval(rate: u32) -> chrono::Duration {
    chrono::Duration::nanoseconds(1_000_000_000 / i64::from(rate.max(1)))
}

/// The time one slot takes at `rate` a second; `None` for an unlimited lane (0).
pub fn slot(rate: u32) -> Option<Duration> {
    (rate > 0).then(|| interval(rate).to_std().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: i64) -> chrono::Duration {
        chrono::Duration::milliseconds(n)
    }

    #[test]
    fn a_lane_gets_its_horizon_now_and_the_rest_at_its_rate() {
        let pacer = Pacer::new(Duration::from_millis(100));
        let t0 = Utc::now();
        // 100/s: 10 ms a slot. Slots starting within 100 ms go now: 0, 10, ..., 100 ms.
        let now: Vec<Pace> = (0..11).map(|_| pacer.book("a", 100, 1, t0)).collect();
        assert!(now.iter().all(|p| *p == Pace::Now), "{now:?}");
        // The next ones start at 110 ms, 120 ms, ...; each is claimed 50 ms before its slot.
        assert_eq!(pacer.book("a", 100, 1, t0), Pace::Later(t0 + ms(60)));
        assert_eq!(pacer.book("a", 100, 1, t0), Pace::Later(t0 + ms(70)));
        // Two segments take two slots.
        assert_eq!(pacer.book("a", 100, 2, t0), Pace::Later(t0 + ms(80)));
        assert_eq!(pacer.book("a", 100, 1, t0), Pace::Later(t0 + ms(100)));
        assert!(pacer.queued(t0));
        assert!(!pacer.queued(t0 + ms(200)));
    }

    #[test]
    fn lanes_do_not_wait_for_each_other() {
        let pacer = Pacer::new(Duration::from_millis(100));
        let t0 = Utc::now();
        for _ in 0..1_000 {
            pacer.book("busy", 10, 1, t0);
        }
        assert_eq!(pacer.book("other", 10, 1, t0), Pace::Now);
        assert_eq!(pacer.book("unlimited", 0, 1, t0), Pace::Now);
    }

    #[test]
    fn a_deferred_message_is_sent_when_its_slot_comes() {
        let pacer = Pacer::new(Duration::from_millis(100));
        let t0 = Utc::now();
        let at = loop {
            if let Pace::Later(at) = pacer.book("a", 100, 1, t0) {
                break at;
            }
        };
        // Deferred to 60 ms, its slot at 110 ms. Claimed again then, it fits the lane (sent
        // up to 110 ms) and does not go behind the queue.
        assert_eq!(at, t0 + ms(60));
        assert_eq!(pacer.book("a", 100, 1, at), Pace::Now);
        // Much later the lane is empty again.
        assert_eq!(pacer.book("a", 100, 1, t0 + ms(10_000)), Pace::Now);
    }

    #[test]
    fn the_rest_of_a_send_books_the_end_of_the_queue() {
        let pacer = Pacer::new(Duration::from_millis(100));
        let t0 = Utc::now();
        while pacer.book("a", 100, 1, t0) == Pace::Now {}
        // One deferred to its slot at 110 ms; the rest of its send starts at 120 ms, due
        // 50 ms before.
        assert_eq!(pacer.queue_end("a", t0), t0 + ms(70));
        pacer.extend("a", 100, 30, t0);
        // Thirty slots later: 120 ms + 300 ms.
        assert_eq!(pacer.queue_end("a", t0), t0 + ms(370));
        assert_eq!(pacer.book("a", 100, 1, t0), Pace::Later(t0 + ms(370)));
        // A lane never seen starts now.
        assert_eq!(pacer.queue_end("b", t0), t0 - ms(50));
    }

    #[test]
    fn the_rest_of_a_send_is_paced_once_per_schedule() {
        let pacer = Pacer::new(Duration::from_millis(100));
        let t0 = Utc::now();
        let send = SendId(7);
        assert!(!pacer.rest_paced(send, "a", t0));
        pacer.pace_rest(send, "a", t0 + ms(500), t0);
        assert!(pacer.rest_paced(send, "a", t0 + ms(499)));
        assert!(!pacer.rest_paced(send, "b", t0), "per lane");
        assert!(!pacer.rest_paced(SendId(8), "a", t0), "per send");
        assert!(
            !pacer.rest_paced(send, "a", t0 + ms(500)),
            "the schedule ran out"
        );
        pacer.pace_rest(SendId(8), "a", t0 + ms(900), t0 + ms(600));
        assert_eq!(
            pacer.rests.lock().unwrap().len(),
            1,
            "run-out schedules forgotten"
        );
    }

    #[test]
    fn idle_lanes_are_forgotten_when_there_are_many() {
        let pacer = Pacer::new(Duration::from_millis(100));
        let t0 = Utc::now();
        for i in 0..LANES_KEPT {
            pacer.book(&format!("n{i}"), 1_000, 1, t0);
        }
        pacer.book("new", 1_000, 1, t0 + ms(1_000));
        assert_eq!(pacer.lanes.lock().unwrap().len(), 1);
    }
}
