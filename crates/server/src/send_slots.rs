//! The database as the [`SlotSource`] of the SMPP connections' and WhatsApp numbers'
//! rates, so their messages per second hold in total across every `bote serve` process on
//! one PostgreSQL database (see `bote_store::SendSlotStore`).

use std::sync::Arc;
use std::time::Duration;

use bote_channels::shared_slots::SlotSource;
use bote_store::Store;

/// Reservations asking the database at once, at most. Each rate asks once at a time, so
/// twenty business numbers sending side by side asked twenty at once and, with the
/// dispatch loops, took every connection of the pool: claims and outcomes then waited out
/// the pool's timeout.
pub const RESERVING_AT_ONCE: usize = 4;

pub struct StoreSlots {
    store: Arc<dyn Store>,
    reserving: tokio::sync::Semaphore,
}

impl StoreSlots {
    pub fn new(store: Arc<dyn Store>) -> StoreSlots {
        StoreSlots {
            store,
            reserving: tokio::sync::Semaphore::new(RESERVING_AT_ONCE),
        }
    }
}

#[async_trait::async_trait]
impl SlotSource for StoreSlots {
    async fn reserve(&self, key: &str, count: u32, interval: Duration) -> Result<Duration, String> {
        let _turn = self.reserving.acquire().await.map_err(|e| e.to_string())?;
        self.store
            .reserve_send_slots(key, count, interval)
            .await
            .map_err(|e| e.to_string())
    }
}

/// Shared slots where several processes may send: on PostgreSQL. A SQLite file has one
/// process sending, whose own throttle is exact and costs no write.
pub fn for_store(store: &Arc<dyn Store>) -> Option<Arc<dyn SlotSource>> {
    (store.backend() == "postgres").then(|| Arc::new(StoreSlots::new(store.clone())) as _)
}
