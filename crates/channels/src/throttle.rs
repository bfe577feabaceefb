//! The send rate of a connection or a business number: at most `mps` sends a second
//! (0 = unlimited), and a back-off when the provider says it is throttling (SMPP
//! `ESME_RTHROTTLED` / `ESME_RMSGQFUL`, Cloud API 130429): new sends pause (100 ms,
//! doubling while throttling goes on, at most 5 s), and for [`SLOW_FOR`] after the last
//! throttling answer the rate is halved (or, when unlimited, held at [`SLOW_MPS`]).
//! Shared by all concurrent callers: each `acquire` takes the next free slot. With a
//! [`SlotSource`] ([`Throttle::shared`]) the slots come from a schedule all processes
//! share, so the rate holds in total across them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::shared_slots::{SharedSlots, SlotSource};

pub const PAUSE_MIN: Duration = Duration::from_millis(100);
pub const PAUSE_MAX: Duration = Duration::from_secs(5);
pub const SLOW_FOR: Duration = Duration::from_secs(10);
pub const SLOW_MPS: u32 = 100;

#[derive(Debug)]
struct State {
    next_slot: Instant,
    pause_until: Instant,
    pause: Duration,
    slow_until: Instant,
}

pub struct Throttle {
    mps: u32,
    state: Mutex<State>,
    shared: Option<SharedSlots>,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("mps", &self.mps)
            .field("shared", &self.shared.is_some())
            .finish()
    }
}

impl Throttle {
    pub fn new(mps: u32) -> Throttle {
        let now = Instant::now();
        Throttle {
            mps,
            state: Mutex::new(State {
                next_slot: now,
                pause_until: now,
                pause: Duration::ZERO,
                slow_until: now,
            }),
            shared: None,
        }
    }

    /// A throttle whose slots come from the schedule `key` of `source`, which every
    /// process sending through the same connection or number shares.
    pub fn shared(mps: u32, source: Arc<dyn SlotSource>, key: impl Into<String>) -> Throttle {
        Throttle {
            shared: Some(SharedSlots::new(source, key.into())),
            ..Throttle::new(mps)
        }
    }

    fn rate(&self, s: &State, now: Instant) -> u32 {
        if now < s.slow_until {
            if self.mps == 0 {
                SLOW_MPS
            } else {
                (self.mps / 2).max(1)
            }
        } else {
            self.mps
        }
    }

    /// Waits for the next send slot (one SMS segment, one WhatsApp message).
    pub async fn acquire(&self) {
        if let Some(shared) = &self.shared {
            let (rate, pause_until) = {
                let s = self.state.lock().expect("throttle lock");
                (self.rate(&s, Instant::now()), s.pause_until)
            };
            let at = match rate {
                0 => pause_until,
                rate => shared.next_slot(rate).await.max(pause_until),
            };
            if at > Instant::now() {
                tokio::time::sleep_until(at).await;
            }
            return;
        }
        let at = {
            let mut s = self.state.lock().expect("throttle lock");
            let now = Instant::now();
            let start = now.max(s.pause_until);
            match self.rate(&s, now) {
                0 => start,
                rate => {
                    let slot = start.max(s.next_slot);
                    s.next_slot = slot + Duration::from_secs(1) / rate;
                    slot
                }
            }
        };
        if at > Instant::now() {
            tokio::time::sleep_until(at).await;
        }
    }

    /// Records a throttling answer; returns how long the caller should wait.
    pub fn throttled(&self) -> Duration {
        let mut s = self.state.lock().expect("throttle lock");
        let now = Instant::now();
        if now >= s.pause_until {
            s.pause = (s.pause * 2).clamp(PAUSE_MIN, PAUSE_MAX);
            s.pause_until = now + s.pause;
        }
        s.slow_until = now + SLOW_FOR;
        s.pause
    }

    /// Records an accepted send: once a pause is over, the next throttling starts
    /// again at the smallest pause.
    pub fn accepted(&self) {
        let mut s = self.state.lock().expect("throttle lock");
        if Instant::now() >= s.pause_until {
            s.pause = Duration::ZERO;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn limits_rate_and_backs_off() {
        let t = Throttle::new(10);
        let start = Instant::now();
        for _ in 0..11 {
            t.acquire().await;
        }
        assert_eq!(Instant::now() - start, Duration::from_secs(1));

        assert_eq!(t.throttled(), PAUSE_MIN);
        // Within the pause the pause does not grow again.
        assert_eq!(t.throttled(), PAUSE_MIN);
        let before = Instant::now();
        t.acquire().await;
        assert!(Instant::now() - before >= PAUSE_MIN);
        // Pause over, throttled again: doubles.
        assert_eq!(t.throttled(), PAUSE_MIN * 2);
        tokio::time::sleep(PAUSE_MAX).await;
        t.accepted();
        assert_eq!(t.throttled(), PAUSE_MIN);
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_until_throttled() {
        let t = Throttle::new(0);
        let start = Instant::now();
        for _ in 0..1000 {
            t.acquire().await;
        }
        assert_eq!(Instant::now(), start);
        t.throttled();
        tokio::time::sleep(PAUSE_MIN).await;
        let start = Instant::now();
        for _ in 0..=SLOW_MPS {
            t.acquire().await;
        }
        assert!(Instant::now() - start >= Duration::from_millis(990));
    }

    /// A schedule kept in memory, as the database keeps it for several processes.
    struct Schedule(Mutex<Instant>);

    #[async_trait::async_trait]
    impl SlotSource for Schedule {
        async fn reserve(
            &self,
            _key: &str,
            count: u32,
            interval: Duration,
        ) -> Result<Duration, String> {
            let mut next = self.0.lock().unwrap();
            let now = Instant::now();
            let start = (*next).max(now);
            *next = start + interval * count;
            Ok(start - now)
        }
    }

    /// Two throttles (two processes) on one schedule hold 10/s together, not 10/s each.
    #[tokio::test(start_paused = true)]
    async fn shared_throttles_hold_the_rate_together() {
        let schedule: Arc<dyn SlotSource> = Arc::new(Schedule(Mutex::new(Instant::now())));
        let a = Arc::new(Throttle::shared(10, schedule.clone(), "smpp:x"));
        let b = Arc::new(Throttle::shared(10, schedule, "smpp:x"));
        let start = Instant::now();
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let t = if i % 2 == 0 { a.clone() } else { b.clone() };
                tokio::spawn(async move { t.acquire().await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        // 20 slots at 10/s: the last at 1.9 s or later (alone, each would end at 0.9 s).
        assert!(Instant::now() - start >= Duration::from_millis(1900));
    }
}
