//! Cloud API numbers by phone number id, as the webhook needs one on every delivery: kept
//! for [`KEPT_FOR`], so a burst of deliveries to a number reads the store once, not once
//! per POST. A number removed in this process is forgotten at once; other processes (and
//! a changed app secret) take up to that long to apply to webhook deliveries. Only numbers
//! that exist are kept: requests naming unknown ids cannot grow it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bote_store::{Store, StoreResult, WhatsappNumber};

/// How long a number read from the store answers for its phone number id.
pub const KEPT_FOR: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct CloudNumbers {
    kept: Mutex<HashMap<String, (Instant, WhatsappNumber)>>,
}

impl CloudNumbers {
    /// The WhatsApp number with this phone number id, from the store at most
    /// [`KEPT_FOR`] ago.
    pub async fn get(
        &self,
        store: &dyn Store,
        phone_number_id: &str,
    ) -> StoreResult<Option<WhatsappNumber>> {
        if let Some((read, number)) = self.lock().get(phone_number_id)
            && read.elapsed() < KEPT_FOR
        {
            return Ok(Some(number.clone()));
        }
        let number = store
            .whatsapp_number_by_phone_number_id(phone_number_id)
            .await?;
        let mut kept = self.lock();
        match &number {
            Some(n) => {
                kept.insert(phone_number_id.to_owned(), (Instant::now(), n.clone()));
            }
            None => {
                kept.remove(phone_number_id);
            }
        }
        Ok(number)
    }

    /// Drops what is kept for this phone number id (its number was removed).
    pub fn forget(&self, phone_number_id: &str) {
        self.lock().remove(phone_number_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, WhatsappNumber)>> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}
