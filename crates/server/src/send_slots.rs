//! The database as the [`SlotSource`] of the SMPP connections' and WhatsApp numbers'
//! rates, so their messages per second hold in total across every `bote serve` process on
//! one PostgreSQL database (see `bote_store::SendSlotStore`).

use std::sync::Arc;
use std::time::Duration;

use bote_channels::shared_slots::SlotSource;
use bote_store::Store;

pub struct StoreSlots(pub Arc<dyn Store>);

#[async_trait::async_trait]
impl SlotSource for StoreSlots {
    async fn reserve(&self, key: &str, count: u32, interval: Duration) -> Result<Duration, String> {
        self.0
            .reserve_send_slots(key, count, interval)
            .await
            .map_err(|e| e.to_string())
    }
}

/// Shared slots where several processes may send: on PostgreSQL. A SQLite file has one
/// process sending, whose own throttle is exact and costs no write.
pub fn for_store(store: &Arc<dyn Store>) -> Option<Arc<dyn SlotSource>> {
    (store.backend() == "postgres").then(|| Arc::new(StoreSlots(store.clone())) as _)
}
