//! The dispatcher: claims due messages of each channel in batches with a lease, builds each message, hands
//! it to its channel, and records what happened. `try_dispatch_one` is one step, so tests
//! drive it without sleeping; `run` repeats it until shutdown.

mod build;
mod order;
mod pacing;
mod record;
mod retry;
mod senders;
mod timing;
mod window;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bote_channels::whatsapp_cloud::CloudApi;
use bote_channels::{SendOutcome, SmsRoutes, WhatsappChannel};
use bote_domain::{ChannelKind, MessageId, MessageStatus, SendId};
use bote_store::{
    ClaimToken, ClaimedMessage, ContactStore, InboundStore, OutboxStore, Outcome, StoreError,
};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub use build::Built;
pub use pacing::{Pace, Pacer, slot};
pub use record::RECORD_CHUNK;
pub use retry::{RETRY_SCHEDULE, next_retry};
pub use senders::{CLOUD_CONNECTION, SENDERS_TTL, SenderCache, WhatsappRoute, choose, route_of};
pub use window::{OUTSIDE_SERVICE_WINDOW, SERVICE_WINDOW};

#[derive(Debug, Clone)]
pub struct DispatchConfig {
    /// Messages claimed at once.
    pub batch: u32,
    /// How long a claim holds before another dispatcher may take the message over.
    pub lease: Duration,
    /// Messages of one batch in flight at once (a recipient's messages go one after another).
    pub concurrency: usize,
    /// Longest wait between two looks for due work when nothing wakes the dispatcher.
    pub idle_poll: Duration,
    /// Dispatch loops run side by side; leases keep them from sharing a message.
    pub loops: usize,
    /// How far ahead of its rate a rate-limited connection is given work in one step; the
    /// rest waits in the store for its slot (see `pacing`).
    pub pace_horizon: Duration,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            batch: 500,
            lease: Duration::from_secs(60),
            concurrency: 256,
            idle_poll: Duration::from_secs(1),
            loops: 3,
            pace_horizon: Duration::from_millis(250),
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dispatched {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    /// Held in the store for later: outside their send's window, or paced.
    pub deferred: usize,
}

impl Dispatched {
    fn tally(&mut self, outcomes: &[(MessageId, ClaimToken, Outcome)]) {
        for (_, _, o) in outcomes {
            match o {
                Outcome::Sent { .. } => self.sent += 1,
                Outcome::Retry { .. } => self.retried += 1,
                Outcome::Defer { .. } => self.deferred += 1,
                Outcome::Final { .. } => self.failed += 1,
            }
        }
    }

    fn count_in_metrics(&self, channel: ChannelKind) {
        let channel = channel.as_str();
        for (outcome, n) in [
            ("sent", self.sent),
            ("retry", self.retried),
            ("deferred", self.deferred),
            ("failed", self.failed),
        ] {
            if n > 0 {
                metrics::counter!(crate::metrics::DISPATCHED, "channel" => channel, "outcome" => outcome)
                    .increment(n as u64);
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispatchOutcome {
    /// Nothing was due.
    Idle,
    Dispatched(Dispatched),
}

/// Where the dispatcher sends: SMS by route; WhatsApp through the Cloud API from numbers
/// that have credentials, else through the sandbox WhatsApp channel.
#[derive(Clone)]
pub struct Channels {
    pub sms: SmsRoutes,
    pub whatsapp: Arc<dyn WhatsappChannel>,
    pub cloud: Arc<CloudApi>,
}

impl std::ops::Add for Dispatched {
    type Output = Dispatched;
    fn add(self, o: Dispatched) -> Dispatched {
        Dispatched {
            claimed: self.claimed + o.claimed,
            sent: self.sent + o.sent,
            retried: self.retried + o.retried,
            failed: self.failed + o.failed,
            deferred: self.deferred + o.deferred,
        }
    }
}

pub struct Dispatcher<S: ?Sized> {
    store: Arc<S>,
    channels: Channels,
    config: DispatchConfig,
    wake: Arc<Notify>,
    senders: SenderCache,
    sms: PerChannel,
    whatsapp: PerChannel,
}

/// What the dispatcher keeps for one channel.
struct PerChannel {
    /// The channel's lanes: SMS connections, WhatsApp numbers.
    pacer: Pacer,
    /// Claims one at a time, and each recipient's messages in order.
    order: order::RecipientOrder,
}

impl PerChannel {
    fn new(config: &DispatchConfig) -> Self {
        Self {
            pacer: Pacer::new(config.pace_horizon),
            order: order::RecipientOrder::default(),
        }
    }
}

impl<S> Dispatcher<S>
where
    S: OutboxStore + ContactStore + InboundStore + Send + Sync + ?Sized + 'static,
{
    pub fn new(
        store: Arc<S>,
        channels: Channels,
        config: DispatchConfig,
        wake: Arc<Notify>,
    ) -> Self {
        Self {
            store,
            channels,
            sms: PerChannel::new(&config),
            whatsapp: PerChannel::new(&config),
            config,
            wake,
            senders: SenderCache::default(),
        }
    }

    /// Claims one batch of due messages per channel, sends them, records the outcomes.
    pub async fn try_dispatch_one(&self) -> Result<DispatchOutcome, StoreError> {
        let (sms, whatsapp) = tokio::join!(
            self.step(ChannelKind::Sms),
            self.step(ChannelKind::Whatsapp)
        );
        let step = sms? + whatsapp?;
        Ok(if step.claimed == 0 {
            DispatchOutcome::Idle
        } else {
            DispatchOutcome::Dispatched(step)
        })
    }

    async fn step(&self, channel: ChannelKind) -> Result<Dispatched, StoreError> {
        let mut times = timing::RoundTimes::default();
        let mut clock = Instant::now();
        let now = Utc::now();
        let lease_until = now + chrono::Duration::from_std(self.config.lease).expect("lease fits");
        let order = &self.of(channel).order;
        let (claimed, held, _taken) = order
            .claim(
                self.store
                    .claim_messages(channel, now, lease_until, self.config.batch),
            )
            .await?;
        times.claim = timing::lap(&mut clock);
        if claimed.is_empty() {
            return Ok(Dispatched::default());
        }
        let built = match channel {
            ChannelKind::Sms => build::build_sms(self.store.as_ref(), &claimed, now).await?,
            ChannelKind::Whatsapp => {
                let built = build::build_whatsapp(&claimed, now);
                let routed = self.route_whatsapp(&claimed, built).await?;
                window::apply(self.store.as_ref(), &claimed, routed, now).await?
            }
        };
        let hold_until = now + chrono::Duration::from_std(order::HOLD).expect("hold fits");
        let built = built
            .into_iter()
            .zip(held)
            .map(|(b, held)| if held { Built::Defer(hold_until) } else { b })
            .collect();
        let built = self.pace(channel, &claimed, built, now).await?;
        times.build = timing::lap(&mut clock);
        let mut step = Dispatched {
            claimed: claimed.len(),
            ..Default::default()
        };
        // Each outcome goes with its claim's token: should this step be slower than the
        // lease and another dispatcher claim a message again, this outcome is ignored.
        // Outcomes are recorded as they come, in chunks, while the next sends go on (see
        // `record`): a crash then sends again only what was in flight, not everything
        // claimed. A message whose claim is about to run out is not sent: once it has,
        // another dispatcher may claim and send it too. It goes out on its next claim.
        let send_by =
            lease_until - chrono::Duration::from_std(self.config.lease / 4).expect("lease fits");
        let chains = order::chains(claimed.into_iter().zip(built));
        let outcomes = futures::stream::iter(chains)
            .map(|chain| {
                Box::pin(futures::stream::iter(chain).filter_map(|(message, built)| {
                    send_one(&self.channels, message, built, send_by)
                }))
            })
            .flatten_unordered(self.config.concurrency.max(1));
        let done =
            record::send_and_record(self.store.as_ref(), outcomes, &mut step, lease_until).await?;
        (times.send, times.record, times.tail) = (done.send, done.record, done.tail);
        times.report(channel, step.claimed, done.recorded);
        step.count_in_metrics(channel);
        if done.applied < done.recorded {
            tracing::info!(
                ignored = done.recorded - done.applied,
                "outcomes ignored: their messages were claimed again after the lease ran out, or are no longer sending"
            );
        }
        Ok(step)
    }

    /// Books each ready message on its connection's lane; one the lane has no room for in
    /// this step is deferred to its slot, and so is the rest of its send, at once, behind
    /// it (`OutboxStore::pace_send`), so that the next claims need not walk through it to
    /// reach other connections' work. A send's rest is paced once while its schedule runs.
    async fn pace(
        &self,
        channel: ChannelKind,
        claimed: &[ClaimedMessage],
        built: Vec<Built>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Built>, StoreError> {
        let pacer = &self.of(channel).pacer;
        // Sends that overflowed a lane: the rest goes behind it. Not for SMS with several
        // routes, where the rest of a send may go through another connection.
        let mut rests: Vec<(SendId, String, u32)> = Vec::new();
        let mut out = Vec::with_capacity(built.len());
        for (message, b) in claimed.iter().zip(built) {
            let (lane, rate, slots) = match &b {
                Built::Ready(ready) => {
                    let connection = self.channels.sms.route(&ready.sms.to);
                    (connection.name(), connection.rate(), ready.segments)
                }
                Built::ReadyCloud(from, _) => {
                    (from.phone_number_id.as_str(), from.messages_per_second, 1)
                }
                _ => {
                    out.push(b);
                    continue;
                }
            };
            match pacer.book(lane, rate, slots, now) {
                Pace::Now => out.push(b),
                Pace::Later(at) => {
                    let first_of_send = !rests.iter().any(|(send, _, _)| *send == message.send_id);
                    if first_of_send
                        && (channel == ChannelKind::Whatsapp
                            || self.channels.sms.connections().len() == 1)
                    {
                        rests.push((message.send_id, lane.to_owned(), rate));
                    }
                    out.push(Built::Defer(at));
                }
            }
        }
        for (send, lane, rate) in rests {
            if pacer.rest_paced(send, &lane, now) {
                continue;
            }
            let from = pacer.queue_end(&lane, now);
            let interval = pacing::interval(rate).to_std().unwrap_or_default();
            let n = self
                .store
                .pace_send(send, channel, now, from, interval)
                .await?;
            pacer.extend(&lane, rate, n, now);
            pacer.pace_rest(send, &lane, pacer.queue_end(&lane, now), now);
            tracing::debug!(send = send.0, lane, paced = n, "the rest of a send paced");
        }
        Ok(out)
    }

    fn of(&self, channel: ChannelKind) -> &PerChannel {
        match channel {
            ChannelKind::Sms => &self.sms,
            ChannelKind::Whatsapp => &self.whatsapp,
        }
    }

    /// Whether some connection has paced work still to come.
    fn pacing(&self) -> bool {
        let now = Utc::now();
        self.sms.pacer.queued(now) || self.whatsapp.pacer.queued(now)
    }

    /// Gives each WhatsApp message the business number it goes out from, and sends it
    /// through the Cloud API where that number has credentials.
    async fn route_whatsapp(
        &self,
        claimed: &[ClaimedMessage],
        built: Vec<Built>,
    ) -> Result<Vec<Built>, StoreError> {
        let mut routed = Vec::with_capacity(built.len());
        for (message, built) in claimed.iter().zip(built) {
            routed.push(match built {
                Built::ReadyWhatsapp(mut out) => {
                    let numbers = self
                        .senders
                        .numbers(self.store.as_ref(), message.account)
                        .await?;
                    match senders::route(&numbers, &mut out) {
                        WhatsappRoute::Cloud(from) => Built::ReadyCloud(from, out),
                        WhatsappRoute::Sandbox => Built::ReadyWhatsapp(out),
                    }
                }
                other => other,
            });
        }
        Ok(routed)
    }

    /// How many `run` loops the app starts.
    pub fn loops(&self) -> usize {
        self.config.loops.max(1)
    }

    /// Dispatches until `shutdown`; sleeps while idle until woken or `idle_poll` passes.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let mut failures = 0u32;
        while !shutdown.is_cancelled() {
            match self.try_dispatch_one().await {
                Ok(outcome) => {
                    failures = 0;
                    // Paced work comes due a little at a time: while some is queued, look
                    // again after a short nap, so that claims gather it rather than take it
                    // message by message; otherwise a step that found a full batch goes on
                    // at once, and an idle one waits to be woken.
                    let wait = match outcome {
                        DispatchOutcome::Dispatched(d)
                            if d.claimed >= self.config.batch as usize =>
                        {
                            continue;
                        }
                        _ if self.pacing() => self.config.pace_horizon / 4,
                        DispatchOutcome::Dispatched(_) => continue,
                        DispatchOutcome::Idle => self.config.idle_poll,
                    };
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        _ = tokio::time::sleep(wait) => {}
                        _ = shutdown.cancelled() => {}
                    }
                }
                Err(e) => {
                    failures += 1;
                    let wait = Duration::from_millis(100 * 2u64.pow(failures.min(6)));
                    tracing::error!(error = %e, ?wait, "dispatch step failed; the leases will bring the messages back");
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = shutdown.cancelled() => {}
                    }
                }
            }
        }
    }
}

/// Sends one claimed message; `None` when its claim runs out too soon to send it.
async fn send_one(
    channels: &Channels,
    message: ClaimedMessage,
    built: Built,
    send_by: DateTime<Utc>,
) -> Option<(MessageId, ClaimToken, Outcome)> {
    if Utc::now() >= send_by {
        tracing::debug!(
            message = message.id.0,
            "claim about to run out: left for the next claim"
        );
        return None;
    }
    let outcome = match built {
        Built::Ready(out) => {
            let channel = channels.sms.route(&out.sms.to);
            let answer = channel.send(&out.sms).await;
            outcome_of(&message, channel.name(), out.segments, answer)
        }
        Built::ReadyWhatsapp(out) => {
            let answer = channels.whatsapp.send(&out).await;
            outcome_of(&message, channels.whatsapp.name(), 1, answer)
        }
        Built::ReadyCloud(from, out) => {
            let answer = channels.cloud.send(&from, &out).await;
            outcome_of(&message, CLOUD_CONNECTION, 1, answer)
        }
        Built::Fail(reason) => Outcome::Final {
            status: MessageStatus::Failed,
            reason,
            code: None,
        },
        Built::Defer(until) => Outcome::Defer { until },
    };
    Some((message.id, message.claim, outcome))
}

/// Maps a channel's answer to what the store records, with the retry schedule.
fn outcome_of(
    message: &ClaimedMessage,
    connection: &str,
    segments: u32,
    answer: SendOutcome,
) -> Outcome {
    match answer {
        SendOutcome::Accepted { provider_ids } => Outcome::Sent {
            connection: connection.to_owned(),
            provider_ids,
            segments,
        },
        SendOutcome::Retry { reason, after } => match next_retry(message.attempts + 1, after) {
            Some(wait) => Outcome::Retry {
                at: Utc::now() + chrono::Duration::from_std(wait).expect("wait fits"),
                reason,
            },
            None => Outcome::Final {
                status: MessageStatus::Failed,
                reason: format!("gave up after {} attempts: {reason}", message.attempts + 1),
                code: None,
            },
        },
        SendOutcome::Rejected { code, reason } => Outcome::Final {
            status: MessageStatus::Rejected,
            reason,
            code: Some(code),
        },
        SendOutcome::Failed { reason } => Outcome::Final {
            status: MessageStatus::Failed,
            reason,
            code: None,
        },
    }
}
