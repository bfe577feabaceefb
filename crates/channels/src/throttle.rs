//! The send rate of a connection or a business number: at most `mps` sends a second
//! (0 = unlimited), and a back-off when the provider says it is throttling (SMPP
//! `ESME_RTHROTTLED` / `ESME_RMSGQFUL`, Cloud API 130429): new sends pause (100 ms,
//! doubling while throttling goes on, at most 5 s), and for [`SLOW_FOR`] after the last
//! throttling answer the rate is halved (or, when unlimited, held at [`SLOW_MPS`]).
//! Shared by all concurrent callers: each `acquire` takes the next free slot.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

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

#[derive(Debug)]
pub struct Throttle {
    mps: u32,
    state: Mutex<State>,
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
}
