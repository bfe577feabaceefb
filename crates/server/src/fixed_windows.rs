//! Counting hits per key in fixed windows: the login limit and the widget's limits.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Windows kept before old ones are dropped; bounds memory under a flood of new keys.
const MAX_KEYS: usize = 100_000;

/// At most `limit` hits per key in each `window`, counted from the key's first hit.
pub struct FixedWindows<K> {
    limit: u32,
    window: Duration,
    counts: HashMap<K, (Instant, u32)>,
}

impl<K: Hash + Eq> FixedWindows<K> {
    pub fn new(limit: u32, window: Duration) -> Self {
        FixedWindows {
            limit,
            window,
            counts: HashMap::new(),
        }
    }

    /// Counts one hit for `key`; false when it is over the limit.
    pub fn hit(&mut self, key: K, now: Instant) -> bool {
        let window = self.window;
        if self.counts.len() >= MAX_KEYS {
            self.counts
                .retain(|_, (start, _)| now.duration_since(*start) < window);
            if self.counts.len() >= MAX_KEYS {
                self.counts.clear();
            }
        }
        let entry = self.counts.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_beyond_the_limit_are_refused_until_the_window_ends() {
        let mut w = FixedWindows::new(2, Duration::from_secs(60));
        let start = Instant::now();
        assert!(w.hit("a", start));
        assert!(w.hit("a", start));
        assert!(!w.hit("a", start + Duration::from_secs(59)));
        assert!(w.hit("b", start), "other keys are not affected");
        assert!(w.hit("a", start + Duration::from_secs(60)));
    }
}
