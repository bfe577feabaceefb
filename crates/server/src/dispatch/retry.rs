//! When to try again, as data: the n-th retry waits `RETRY_SCHEDULE[n]`; after the last
//! one the message fails for good.

use std::time::Duration;

pub const RETRY_SCHEDULE: [Duration; 8] = [
    Duration::from_secs(5),
    Duration::from_secs(30),
    Duration::from_secs(2 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(60 * 60),
    Duration::from_secs(3 * 60 * 60),
    Duration::from_secs(6 * 60 * 60),
];

/// The wait before the next attempt of a message that has failed `attempts` times so far
/// (counting this one), or `None` when it should give up. A provider's own hint wins when
/// it is longer.
pub fn next_retry(attempts: u32, hint: Option<Duration>) -> Option<Duration> {
    let planned = *RETRY_SCHEDULE.get(attempts.saturating_sub(1) as usize)?;
    Some(hint.map_or(planned, |h| h.max(planned)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_grows_then_gives_up() {
        assert_eq!(next_retry(1, None), Some(Duration::from_secs(5)));
        assert_eq!(
            next_retry(2, Some(Duration::from_secs(1))),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            next_retry(1, Some(Duration::from_secs(60))),
            Some(Duration::from_secs(60))
        );
        assert_eq!(next_retry(8, None), Some(Duration::from_secs(6 * 3600)));
        assert_eq!(next_retry(9, None), None);
    }
}
