//! Shared send slots: blocks on one schedule never overlap, schedules are independent.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::Store;

pub async fn send_slot_blocks_follow_each_other(store: Arc<dyn Store>) {
    let interval = Duration::from_millis(10);
    // Timed from before the first reservation: that call's own duration (long on a loaded
    // machine) passes between the store's "now" for it and the second reservation.
    let started = Instant::now();
    // Idle schedule: the first block starts now.
    let first = store
        .reserve_send_slots("smpp:a", 5, interval)
        .await
        .unwrap();
    assert!(
        first < Duration::from_millis(5),
        "first block waits {first:?}"
    );
    // The next block starts where the first ends (50 ms), less the time that passed.
    let second = store
        .reserve_send_slots("smpp:a", 5, interval)
        .await
        .unwrap();
    let passed = started.elapsed();
    assert!(
        second + passed >= Duration::from_millis(45) && second <= Duration::from_millis(50),
        "second block in {second:?}"
    );
    // Another schedule is not held up by this one.
    let other = store
        .reserve_send_slots("whatsapp:1", 100, interval)
        .await
        .unwrap();
    assert!(
        other < Duration::from_millis(5),
        "other schedule waits {other:?}"
    );
    // After the reserved time has passed, a block starts at once again (idle time is
    // not banked as a burst).
    tokio::time::sleep(Duration::from_millis(120)).await;
    let later = store
        .reserve_send_slots("smpp:a", 1, interval)
        .await
        .unwrap();
    assert!(later < Duration::from_millis(5), "after idling: {later:?}");
    let slow = Duration::from_secs(1);
    store.reserve_send_slots("smpp:b", 1, slow).await.unwrap();
    let next = store.reserve_send_slots("smpp:b", 1, slow).await.unwrap();
    assert!(
        next >= Duration::from_millis(500),
        "one slot a second: the second waits, got {next:?}"
    );
}

/// Concurrent reservations (as from several processes) get disjoint blocks: their start
/// times, sorted, are at least a block apart.
pub async fn concurrent_send_slot_blocks_do_not_overlap(store: Arc<dyn Store>) {
    let interval = Duration::from_millis(5);
    let base = Instant::now();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let wait = store
                    .reserve_send_slots("smpp:shared", 10, interval)
                    .await
                    .unwrap();
                // When the block starts, on this process's clock.
                Instant::now() + wait - base
            })
        })
        .collect();
    let mut starts = Vec::new();
    for t in tasks {
        starts.push(t.await.unwrap());
    }
    starts.sort();
    let span = *starts.last().unwrap() - starts[0];
    // 20 blocks of 50 ms follow each other: the last starts ~950 ms after the first.
    assert!(
        span >= Duration::from_millis(700),
        "blocks overlap: 20 blocks span only {span:?}"
    );
}
