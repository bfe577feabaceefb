//! A recipient's messages go out one after another, in the order they were claimed, within
//! one process: a STOP's confirmation never overtakes the welcome sent a moment before.
//!
//! The dispatch loops of a channel claim one at a time (a claim is one statement), and each
//! step takes the recipients it claimed until it ends. A message whose recipient another
//! step has taken is held in the store for `HOLD` and claimed again; messages of one
//! recipient claimed in the same step are sent in a chain, each after the one before has
//! been handed over. Across processes sharing a database the order is not kept.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bote_domain::PhoneNumber;
use bote_store::ClaimedMessage;
use tokio::sync::Mutex as AsyncMutex;

/// How long a message waits in the store while another step sends to its recipient.
pub const HOLD: Duration = Duration::from_millis(200);

/// One channel's claims and the recipients its steps are sending to.
#[derive(Default)]
pub(super) struct RecipientOrder {
    claiming: AsyncMutex<()>,
    busy: Arc<Mutex<HashSet<PhoneNumber>>>,
}

/// The recipients one step took; they are free again when it drops.
pub(super) struct Taken {
    busy: Arc<Mutex<HashSet<PhoneNumber>>>,
    mine: HashSet<PhoneNumber>,
}

impl RecipientOrder {
    /// Runs `claim` alone among this channel's steps, then takes the claimed messages'
    /// recipients that no other step holds. Returns, per message, whether it must be held.
    pub async fn claim<F, E>(&self, claim: F) -> Result<(Vec<ClaimedMessage>, Vec<bool>, Taken), E>
    where
        F: Future<Output = Result<Vec<ClaimedMessage>, E>>,
    {
        let _alone = self.claiming.lock().await;
        let claimed = claim.await?;
        let mut busy = lock(&self.busy);
        let mut mine: HashSet<PhoneNumber> = HashSet::new();
        let held = claimed
            .iter()
            .map(|m| {
                if mine.contains(&m.recipient) {
                    false
                } else if busy.insert(m.recipient.clone()) {
                    mine.insert(m.recipient.clone());
                    false
                } else {
                    true
                }
            })
            .collect();
        drop(busy);
        let taken = Taken {
            busy: self.busy.clone(),
            mine,
        };
        Ok((claimed, held, taken))
    }
}

impl Drop for Taken {
    fn drop(&mut self) {
        let mut busy = lock(&self.busy);
        for recipient in &self.mine {
            busy.remove(recipient);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The items in chains, one per recipient, each in the items' order; the chains in the
/// order of their first item.
pub(super) fn chains<T>(
    items: impl IntoIterator<Item = (ClaimedMessage, T)>,
) -> Vec<Vec<(ClaimedMessage, T)>> {
    let mut at: HashMap<PhoneNumber, usize> = HashMap::new();
    let mut chains: Vec<Vec<(ClaimedMessage, T)>> = Vec::new();
    for (message, item) in items {
        match at.get(&message.recipient) {
            Some(&i) => chains[i].push((message, item)),
            None => {
                at.insert(message.recipient.clone(), chains.len());
                chains.push(vec![(message, item)]);
            }
        }
    }
    chains
}

#[cfg(test)]
mod tests {
    use super::*;
    use bote_domain::{AccountId, MessageId, SendId};
    use bote_store::ClaimToken;

    fn message(id: i64, to: &str) -> ClaimedMessage {
        ClaimedMessage {
            id: MessageId(id),
            claim: ClaimToken(1),
            send_id: SendId(1),
            account: AccountId(1),
            recipient: PhoneNumber::from_e164_unchecked(to.to_owned()),
            contact_id: None,
            attempts: 0,
            content: serde_json::Value::Null,
        }
    }

    async fn claim(order: &RecipientOrder, of: &[(i64, &str)]) -> (Vec<bool>, Taken) {
        let claimed = of.iter().map(|(id, to)| message(*id, to)).collect();
        let (_, held, taken) = order.claim(async { Ok::<_, ()>(claimed) }).await.unwrap();
        (held, taken)
    }

    #[tokio::test]
    async fn a_recipient_taken_by_one_step_is_held_by_the_next_until_it_ends() {
        let order = RecipientOrder::default();
        let (held, first) = claim(&order, &[(1, "+431"), (2, "+432"), (3, "+431")]).await;
        assert_eq!(
            held,
            [false, false, false],
            "one step may send to a number twice"
        );
        let (held, second) = claim(&order, &[(4, "+433"), (5, "+431")]).await;
        assert_eq!(held, [false, true]);
        drop(first);
        let (held, _third) = claim(&order, &[(6, "+431"), (7, "+432"), (8, "+433")]).await;
        assert_eq!(
            held,
            [false, false, true],
            "+433 is still the second step's"
        );
        drop(second);
    }

    #[tokio::test]
    async fn a_failed_claim_takes_nothing() {
        let order = RecipientOrder::default();
        let failed = order.claim(async { Err::<Vec<ClaimedMessage>, _>("down") });
        assert!(failed.await.is_err());
        let (held, _taken) = claim(&order, &[(1, "+431")]).await;
        assert_eq!(held, [false]);
    }

    #[test]
    fn chains_keep_each_recipients_order() {
        let items = [
            (1, "+431"),
            (2, "+432"),
            (3, "+431"),
            (4, "+433"),
            (5, "+432"),
        ]
        .map(|(id, to)| (message(id, to), id));
        let chains: Vec<Vec<i64>> = chains(items)
            .into_iter()
            .map(|c| c.into_iter().map(|(_, id)| id).collect())
            .collect();
        assert_eq!(chains, [vec![1, 3], vec![2, 5], vec![4]]);
    }
}
