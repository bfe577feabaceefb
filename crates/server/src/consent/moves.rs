//! The group moves of a wave of messages (START <code> joins, R10; STOP <code> leaves,
//! R12), set-based: one `join_groups` or `leave_groups` call per channel, group and
//! direction, whatever the number of senders.

use std::collections::HashMap;

use bote_domain::{AccountId, ChannelKind, GroupCode, PhoneNumber};
use bote_store::{ConsentSource, Store, StoreError};

use super::plan::Answer;

/// One member's move.
pub(super) struct Move {
    /// The member's place in the wave's batch.
    pub at: usize,
    pub join: bool,
    pub channel: ChannelKind,
    pub group: GroupCode,
    pub number: PhoneNumber,
    pub source: ConsentSource,
}

/// Makes the moves; returns each member's answer: joined or left (also when it was already
/// so), the unknown-code help when the account has no such group, or the store's failure.
pub(super) async fn make(
    store: &dyn Store,
    account: AccountId,
    moves: Vec<Move>,
) -> HashMap<usize, anyhow::Result<Answer>> {
    let mut sets: HashMap<(bool, ChannelKind, GroupCode), Vec<Move>> = HashMap::new();
    for m in moves {
        sets.entry((m.join, m.channel, m.group.clone()))
            .or_default()
            .push(m);
    }
    let mut answers = HashMap::new();
    for ((join, channel, group), members) in sets {
        let wanted: Vec<(PhoneNumber, ConsentSource)> = members
            .iter()
            .map(|m| (m.number.clone(), m.source.clone()))
            .collect();
        let moved = if join {
            store.join_groups(account, channel, &group, &wanted).await
        } else {
            store.leave_groups(account, channel, &group, &wanted).await
        };
        for m in &members {
            let answer = match &moved {
                Ok(_) if join => Ok(Answer::Joined(group.clone())),
                Ok(_) => Ok(Answer::Left(group.clone())),
                Err(StoreError::Unknown { what: "group", .. }) => {
                    Ok(Answer::UnknownCode(group.clone()))
                }
                Err(e) => Err(anyhow::anyhow!("moving the group membership failed: {e}")),
            };
            answers.insert(m.at, answer);
        }
    }
    answers
}
