//! Inbound messages of one account through keywords, opt-ins and replies: each message is
//! planned from its text ([`super::plan`]), the opt-ins of messages handled together are
//! given in one store call, their STOPs revoke in one more, their group moves are one call
//! per group ([`super::moves`]), the rest is done message by message, and the replies go
//! out as one send per text.

use std::collections::{HashMap, HashSet};

use anyhow::Context;
use bote_domain::AccountId;
use bote_domain::keywords::Parsed;
use bote_store::{
    ConsentSource, InboundRecord, KeywordSettings, OptInResult, SourceKind, Store, StoreError,
};

use super::moves::Move;
use super::plan::{Action, AfterOptIn, Answer, Plan, plan};
use super::policy::OptInPolicy;
use super::reply::Replies;

/// What the pipeline did with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    pub parsed: Parsed,
    /// The answer to an opt-in it asked the store for (R7, R10), if any.
    pub opt_in: Option<OptInResult>,
    /// The reply it sent, if any.
    pub reply: Option<String>,
    /// False when the message was removed (not a keyword, and the package keeps none, R3).
    pub kept: bool,
}

/// Runs one new inbound message of an account through the pipeline under `policy` (see
/// [`plan`](super::plan::plan) for what each message does).
pub async fn handle(
    store: &dyn Store,
    record: &InboundRecord,
    policy: OptInPolicy,
) -> anyhow::Result<Handled> {
    let account = record
        .account
        .context("the consent pipeline takes messages routed to an account")?;
    let settings = store.keyword_settings(account).await?;
    handle_with(store, record, &settings, policy).await
}

/// [`handle`] with the account's keyword settings already read.
pub async fn handle_with(
    store: &dyn Store,
    record: &InboundRecord,
    settings: &KeywordSettings,
    policy: OptInPolicy,
) -> anyhow::Result<Handled> {
    let account = record
        .account
        .context("the consent pipeline takes messages routed to an account")?;
    handle_batch(store, account, &[record], settings, policy)
        .await
        .pop()
        .context("the pipeline answered no message")?
}

/// Runs new inbound messages of `account` through the pipeline; the answers are in the
/// order of `records`. A sender's messages take effect in their order (START then STOP is
/// not STOP then START): the batch goes in waves, each with at most one message per
/// sender, and a sender whose message failed has its later messages failed too. Within a
/// wave the opt-ins are given in one store call, the STOPs revoke in one more, the group
/// moves take one per group, and its replies go out together.
pub async fn handle_batch(
    store: &dyn Store,
    account: AccountId,
    records: &[&InboundRecord],
    settings: &KeywordSettings,
    policy: OptInPolicy,
) -> Vec<anyhow::Result<Handled>> {
    let plans: Vec<Plan> = records.iter().map(|r| plan(r, settings, policy)).collect();
    let mut waves: Vec<Vec<usize>> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let sender = |at: usize| {
        plans[at]
            .from
            .as_ref()
            .map_or(records[at].from.as_str(), |n| n.as_str())
    };
    for at in 0..records.len() {
        let wave = seen.entry(sender(at)).or_insert(0);
        if waves.len() <= *wave {
            waves.push(Vec::new());
        }
        waves[*wave].push(at);
        *wave += 1;
    }
    let mut results: Vec<Option<anyhow::Result<Handled>>> =
        (0..records.len()).map(|_| None).collect();
    let mut failed: HashSet<&str> = HashSet::new();
    let batch = Wave {
        store,
        account,
        records,
        plans: &plans,
        settings,
        policy,
    };
    for wave in waves {
        let (go, held): (Vec<usize>, Vec<usize>) = wave
            .into_iter()
            .partition(|&at| !failed.contains(sender(at)));
        for at in held {
            results[at] = Some(Err(anyhow::anyhow!(
                "an earlier message of this sender failed"
            )));
        }
        for (at, result) in batch.run(go).await {
            if result.is_err() {
                failed.insert(sender(at));
            }
            results[at] = Some(result);
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(anyhow::anyhow!("the pipeline skipped a message"))))
        .collect()
}

/// Messages of different senders, handled together.
struct Wave<'a> {
    store: &'a dyn Store,
    account: AccountId,
    records: &'a [&'a InboundRecord],
    plans: &'a [Plan],
    settings: &'a KeywordSettings,
    policy: OptInPolicy,
}

impl Wave<'_> {
    async fn run(&self, members: Vec<usize>) -> Vec<(usize, anyhow::Result<Handled>)> {
        let (mut out, mut opt_ins, acting) = self.opt_ins_and_stops(members).await;
        let wanted = acting
            .iter()
            .filter_map(|&at| self.group_move(at, opt_ins.get(&at)))
            .collect();
        let mut moved = super::moves::make(self.store, self.account, wanted).await;
        let mut replies = Replies::default();
        let mut texts: HashMap<usize, String> = HashMap::new();
        let mut kept_not: Vec<(usize, i64)> = Vec::new();
        let mut handled: HashMap<usize, Handled> = HashMap::new();
        for at in acting {
            let (record, plan) = (self.records[at], &self.plans[at]);
            let opt_in = opt_ins.remove(&at);
            let answer = match self.act(plan, opt_in.as_ref(), moved.remove(&at)).await {
                Ok(answer) => answer,
                Err(e) => {
                    out.push((at, Err(e)));
                    continue;
                }
            };
            if self.policy.may_reply
                && let (Some(from), Some(text)) =
                    (&plan.from, answer.and_then(|a| a.text(self.settings)))
            {
                replies.push(record, from, text.clone(), at);
                texts.insert(at, text);
            }
            if !plan.kept {
                kept_not.push((at, record.id));
            }
            let h = Handled {
                parsed: plan.parsed.clone(),
                opt_in,
                reply: None,
                kept: plan.kept,
            };
            handled.insert(at, h);
        }
        for at in replies.send(self.store, self.account).await {
            if let Some(h) = handled.get_mut(&at) {
                h.reply = texts.remove(&at);
            }
        }
        let forget: Vec<i64> = kept_not.iter().map(|(_, id)| *id).collect();
        if let Err(e) = self.store.forget_inbound(self.account, &forget).await {
            for (at, _) in &kept_not {
                handled.remove(at);
                out.push((
                    *at,
                    Err(anyhow::anyhow!("removing the message failed: {e}")),
                ));
            }
        }
        out.extend(handled.into_iter().map(|(at, h)| (at, Ok(h))));
        out
    }

    /// Gives the wave's opt-ins in one store call and revokes its STOPs in another; returns
    /// the failures, the opt-ins' answers, and the members to go on with, in order.
    async fn opt_ins_and_stops(
        &self,
        members: Vec<usize>,
    ) -> (
        Vec<(usize, anyhow::Result<Handled>)>,
        HashMap<usize, OptInResult>,
        Vec<usize>,
    ) {
        let wants = |at: usize, opt_in: bool| {
            let plan = &self.plans[at];
            plan.from.is_some()
                && match plan.action {
                    Action::OptIn { .. } => opt_in,
                    Action::Revoke => !opt_in,
                    _ => false,
                }
        };
        let (asking, rest): (Vec<usize>, Vec<usize>) =
            members.into_iter().partition(|&at| wants(at, true));
        let (stopping, mut acting): (Vec<usize>, Vec<usize>) =
            rest.into_iter().partition(|&at| wants(at, false));
        let mut failed = Vec::new();
        let mut opt_ins = HashMap::new();
        if !asking.is_empty() {
            match self.give_opt_ins(&asking).await {
                Ok(given) => opt_ins.extend(asking.iter().copied().zip(given)),
                Err(e) => failed.extend(
                    asking
                        .iter()
                        .map(|&at| (at, Err(anyhow::anyhow!("giving the opt-in failed: {e}")))),
                ),
            }
        }
        if !stopping.is_empty() {
            match self.revoke_opt_ins(&stopping).await {
                Ok(()) => acting.extend(stopping),
                Err(e) => failed.extend(
                    stopping
                        .iter()
                        .map(|&at| (at, Err(anyhow::anyhow!("revoking the opt-in failed: {e}")))),
                ),
            }
        }
        acting.extend(opt_ins.keys().copied());
        acting.sort_unstable();
        (failed, opt_ins, acting)
    }

    /// The opt-ins the members of the wave at `asking` ask for, in that order.
    async fn give_opt_ins(&self, asking: &[usize]) -> Result<Vec<OptInResult>, StoreError> {
        let wanted: Vec<_> = asking
            .iter()
            .filter_map(|&at| {
                let Action::OptIn { kind, .. } = self.plans[at].action else {
                    return None;
                };
                let from = self.plans[at].from.clone()?;
                Some((from, source(self.records[at], kind)))
            })
            .collect();
        self.store
            .give_opt_ins(self.account, &wanted, self.policy.cap)
            .await
    }

    /// Revokes the opt-ins the members of the wave at `stopping` end (R11).
    async fn revoke_opt_ins(&self, stopping: &[usize]) -> Result<(), StoreError> {
        let wanted: Vec<_> = stopping
            .iter()
            .filter_map(|&at| {
                let from = self.plans[at].from.clone()?;
                Some((from, source(self.records[at], SourceKind::Keyword)))
            })
            .collect();
        self.store.revoke_opt_ins(self.account, &wanted).await?;
        Ok(())
    }

    /// The group the member at `at` moves, if any (R10, R12): a `START <code>` joins unless
    /// its opt-in (`opt_in`) was refused.
    fn group_move(&self, at: usize, opt_in: Option<&OptInResult>) -> Option<Move> {
        let (record, plan) = (self.records[at], &self.plans[at]);
        let (join, group) = match &plan.action {
            Action::Join(code) => (true, code),
            Action::Leave(code) => (false, code),
            Action::OptIn {
                after: AfterOptIn::Join(code),
                ..
            } if opt_in.is_some_and(|o| !matches!(o, OptInResult::Refused { .. })) => (true, code),
            _ => return None,
        };
        Some(Move {
            at,
            join,
            channel: record.channel,
            group: group.clone(),
            number: plan.from.clone()?,
            source: source(record, SourceKind::Keyword),
        })
    }

    /// Does what `plan` asks of the store besides the wave's opt-ins (whose answer is
    /// `opt_in`), revocations and group moves (whose answer is `moved`); returns the
    /// answer to send.
    async fn act(
        &self,
        plan: &Plan,
        opt_in: Option<&OptInResult>,
        moved: Option<anyhow::Result<Answer>>,
    ) -> anyhow::Result<Option<Answer>> {
        let Some(from) = &plan.from else {
            return Ok(None);
        };
        let refused = matches!(opt_in, Some(OptInResult::Refused { .. }));
        let moved = || moved.context("the group move was not made");
        Ok(match &plan.action {
            Action::Nothing => None,
            // Revoked together with the wave's other STOPs.
            Action::Revoke => Some(Answer::Stopped),
            Action::Leave(_) | Action::Join(_) => Some(moved()??),
            Action::HelpUnlessOptedIn => self
                .store
                .active_opt_in(self.account, from)
                .await?
                .is_none()
                .then_some(Answer::Help),
            Action::Help => Some(Answer::Help),
            Action::OptIn { after, .. } => match after {
                _ if opt_in.is_none() => anyhow::bail!("the opt-in was not given"),
                AfterOptIn::Help => Some(Answer::Help),
                _ if refused => None,
                AfterOptIn::Confirm => Some(Answer::OptedIn),
                AfterOptIn::ConfirmIfNew => {
                    matches!(opt_in, Some(OptInResult::Given { .. })).then_some(Answer::OptedIn)
                }
                AfterOptIn::Join(_) => Some(moved()??),
            },
        })
    }
}

/// The ledger's source for a consent change caused by `record`.
fn source(record: &InboundRecord, kind: SourceKind) -> ConsentSource {
    ConsentSource {
        kind,
        reference: Some(record.id.to_string()),
        text: record.text.clone(),
        business_number: Some(record.to.clone()),
    }
}
