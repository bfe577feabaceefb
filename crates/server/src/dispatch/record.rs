//! Sending and recording side by side. Outcomes are taken from the sends as they come and
//! recorded in chunks of at most `RECORD_CHUNK`, one chunk committing at a time; while it
//! commits the sends go on and the next chunk fills, up to `RECORD_CHUNK`, then the sends
//! wait. So a `kill -9` leaves unrecorded at most two chunks plus what the channel had in
//! flight, and the sends no longer stop for every commit.

use std::time::{Duration, Instant};

use bote_domain::MessageId;
use bote_store::{ClaimToken, OutboxStore, Outcome, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::{FutureExt, Stream, StreamExt};

use super::Dispatched;

/// Most outcomes recorded in one transaction. Under load a chunk fills up while the one
/// before it commits; in a trickle each outcome goes alone. At 64, an SQLite broadcast
/// spent its one writer on commits: 256 sent 13 % more (BENCHMARKS, session 11).
pub const RECORD_CHUNK: usize = 256;

type Item = (MessageId, ClaimToken, Outcome);

/// What recording did and how long its parts took.
#[derive(Debug, Default)]
pub(super) struct Recorded {
    /// Outcomes that applied (their claim still held).
    pub applied: u64,
    pub recorded: u64,
    /// First send to last outcome.
    pub send: Duration,
    /// Time inside `record_outcomes`, summed over the chunks.
    pub record: Duration,
    /// Waiting for recording after the last outcome.
    pub tail: Duration,
}

/// Drives `outcomes` (the sends) to the end while recording what they yield; tallies each
/// chunk into `step` as it goes to the store.
pub(super) async fn send_and_record<S>(
    store: &S,
    outcomes: impl Stream<Item = Item> + Send,
    step: &mut Dispatched,
    lease_until: DateTime<Utc>,
) -> Result<Recorded, StoreError>
where
    S: OutboxStore + Sync + ?Sized,
{
    let started = Instant::now();
    let mut outcomes = std::pin::pin!(outcomes.fuse());
    let mut next: Vec<Item> = Vec::new();
    let mut recording: Option<BoxFuture<'_, (StoreResult<u64>, usize, Duration)>> = None;
    let mut sending = true;
    let mut done = Recorded::default();
    loop {
        // Everything already there joins the chunk being filled.
        while sending && next.len() < RECORD_CHUNK {
            match outcomes.next().now_or_never() {
                Some(Some(outcome)) => next.push(outcome),
                Some(None) => {
                    sending = false;
                    done.send = started.elapsed();
                }
                None => break,
            }
        }
        if recording.is_none() && !next.is_empty() {
            let chunk = std::mem::take(&mut next);
            step.tally(&chunk);
            recording = Some(
                async move {
                    let began = Instant::now();
                    let result = record_until(store, &chunk, lease_until).await;
                    (result, chunk.len(), began.elapsed())
                }
                .boxed(),
            );
        }
        if recording.is_none() && !sending {
            break;
        }
        tokio::select! {
            outcome = outcomes.next(), if sending && next.len() < RECORD_CHUNK => match outcome {
                Some(outcome) => next.push(outcome),
                None => {
                    sending = false;
                    done.send = started.elapsed();
                }
            },
            (result, n, took) = async { recording.as_mut().expect("polled only while recording").await }, if recording.is_some() => {
                recording = None;
                done.applied += result?;
                done.recorded += n as u64;
                done.record += took;
            }
        }
    }
    done.tail = started.elapsed().saturating_sub(done.send);
    Ok(done)
}

/// Records `chunk`, trying again while the database fails (a restart, a pool exhausted for
/// a moment) until the claims' lease ends: these messages went out, and an outcome that is
/// not recorded sends them again once their lease has run out.
async fn record_until<S>(store: &S, chunk: &[Item], lease_until: DateTime<Utc>) -> StoreResult<u64>
where
    S: OutboxStore + Sync + ?Sized,
{
    let mut wait = Duration::from_millis(100);
    loop {
        match store.record_outcomes(chunk).await {
            Ok(applied) => return Ok(applied),
            Err(e) if Utc::now() + wait < lease_until => {
                tracing::warn!(error = %e, ?wait, outcomes = chunk.len(), "recording outcomes failed; trying again");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(2));
            }
            Err(e) => return Err(e),
        }
    }
}
