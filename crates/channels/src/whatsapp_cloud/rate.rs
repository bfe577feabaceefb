//! One send rate per business number (Meta counts throughput per phone_number_id), shared
//! by every concurrent caller of the same [`CloudApi`](super::CloudApi).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::shared_slots::SlotSource;
use crate::throttle::Throttle;

#[derive(Default)]
pub struct NumberRates {
    by_number: Mutex<HashMap<String, (u32, Arc<Throttle>)>>,
    /// When set, each number's rate is shared with every process (schedule
    /// `whatsapp:{phone_number_id}`).
    slots: Option<Arc<dyn SlotSource>>,
}

impl NumberRates {
    /// Rates shared through `slots` with the other processes.
    pub fn shared(slots: Arc<dyn SlotSource>) -> NumberRates {
        NumberRates {
            by_number: Mutex::default(),
            slots: Some(slots),
        }
    }

    /// The throttle of `phone_number_id`; a changed rate starts a fresh one.
    pub fn of(&self, phone_number_id: &str, messages_per_second: u32) -> Arc<Throttle> {
        let mut map = self.by_number.lock().expect("rates lock");
        match map.get(phone_number_id) {
            Some((mps, throttle)) if *mps == messages_per_second => throttle.clone(),
            _ => {
                let throttle = Arc::new(match &self.slots {
                    Some(source) => Throttle::shared(
                        messages_per_second,
                        source.clone(),
                        format!("whatsapp:{phone_number_id}"),
                    ),
                    None => Throttle::new(messages_per_second),
                });
                map.insert(
                    phone_number_id.to_owned(),
                    (messages_per_second, throttle.clone()),
                );
                throttle
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::*;

    /// Two callers of the same number share its rate; another number has its own.
    #[tokio::test(start_paused = true)]
    async fn one_rate_per_number() {
        let rates = NumberRates::default();
        let start = Instant::now();
        for _ in 0..5 {
            rates.of("1", 10).acquire().await;
            rates.of("1", 10).acquire().await;
            rates.of("2", 10).acquire().await;
        }
        // Ten slots of number 1 at 10/s: the tenth at 0.9 s.
        assert_eq!(Instant::now() - start, Duration::from_millis(900));
        assert!(!Arc::ptr_eq(&rates.of("1", 10), &rates.of("1", 20)));
    }
}
