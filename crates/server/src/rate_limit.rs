//! Counting per key in fixed windows: a key may be hit `limit` times per `window`, then is
//! refused until its window ends. Used for logins, failed API authentications and API
//! requests per account. Memory is bounded under a flood of new keys.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Windows kept before old ones are dropped.
const MAX_KEYS: usize = 100_000;

pub struct Windows<K> {
    limit: u32,
    window: Duration,
    counts: HashMap<K, (Instant, u32)>,
}

impl<K: Hash + Eq> Windows<K> {
    pub fn new(limit: u32, window: Duration) -> Self {
        Windows {
            limit,
            window,
            counts: HashMap::new(),
        }
    }

    /// Counts one hit for `key`; `Err(wait)` when it is over the limit, with the time until
    /// its window ends.
    pub fn hit(&mut self, key: K, now: Instant) -> Result<(), Duration> {
        let (limit, window) = (self.limit, self.window);
        let entry = self.entry(key, now);
        entry.1 = entry.1.saturating_add(1);
        if entry.1 <= limit {
            Ok(())
        } else {
            Err(window.saturating_sub(now.duration_since(entry.0)))
        }
    }

    /// Whether `key` is over its limit now, without counting a hit.
    pub fn check(&mut self, key: K, now: Instant) -> Result<(), Duration> {
        let (start, count) = match self.counts.get(&key) {
            Some(&(start, count)) if now.duration_since(start) < self.window => (start, count),
            _ => return Ok(()),
        };
        // Over the limit means the limit was already used up: the next hit would be refused.
        if count >= self.limit {
            Err(self.window.saturating_sub(now.duration_since(start)))
        } else {
            Ok(())
        }
    }

    fn entry(&mut self, key: K, now: Instant) -> &mut (Instant, u32) {
        if self.counts.len() >= MAX_KEYS {
            let window = self.window;
            self.counts
                .retain(|_, (start, _)| now.duration_since(*start) < window);
            if self.counts.len() >= MAX_KEYS {
                self.counts.clear();
            }
        }
        let window = self.window;
        let entry = self.counts.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hit_past_the_limit_is_refused_until_the_window_ends() {
        let mut w = Windows::new(3, Duration::from_secs(60));
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(w.hit("anna", start), Ok(()));
        }
        assert_eq!(w.check("anna", start), Err(Duration::from_secs(60)));
        assert_eq!(
            w.hit("anna", start + Duration::from_secs(20)),
            Err(Duration::from_secs(40))
        );
        assert_eq!(w.hit("bert", start), Ok(()), "other keys are not affected");
        assert_eq!(w.check("anna", start + Duration::from_secs(60)), Ok(()));
        assert_eq!(w.hit("anna", start + Duration::from_secs(60)), Ok(()));
    }

    #[test]
    fn checking_counts_nothing() {
        let mut w = Windows::new(1, Duration::from_secs(1));
        let now = Instant::now();
        for _ in 0..10 {
            assert_eq!(w.check(7, now), Ok(()));
        }
        assert_eq!(w.hit(7, now), Ok(()));
        assert!(w.check(7, now).is_err());
    }

    #[test]
    fn a_flood_of_new_keys_stays_bounded() {
        let mut w = Windows::new(1, Duration::from_secs(1));
        let now = Instant::now();
        for k in 0..(MAX_KEYS as u32 + 10) {
            let _ = w.hit(k, now);
        }
        assert!(w.counts.len() <= MAX_KEYS);
    }
}
