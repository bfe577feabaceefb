//! What an account's WhatsApp package allows around consent (R2, R3).

/// The opt-in rules of one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptInPolicy {
    /// Most active opt-ins; beyond it an opt-in is refused and recorded (R2).
    pub cap: Option<u64>,
    /// Only a START keyword gives an opt-in, not any first message (small package, R3, R7).
    pub keyword_only: bool,
    /// Inbound messages other than keywords are kept and shown (not in small, R3).
    pub keep_replies: bool,
    /// Keywords may be answered with the account's reply texts.
    pub may_reply: bool,
}

impl OptInPolicy {
    /// No cap, any first message opts in, replies kept and answered.
    pub const OPEN: OptInPolicy = OptInPolicy {
        cap: None,
        keyword_only: false,
        keep_replies: true,
        may_reply: true,
    };
}

/// The policy of `account`. Packages (R1–R3) supply it; until they do every account gets
/// [`OptInPolicy::OPEN`].
pub async fn opt_in_policy(
    store: &dyn bote_store::Store,
    account: bote_domain::AccountId,
) -> anyhow::Result<OptInPolicy> {
    let _ = (store, account);
    Ok(OptInPolicy::OPEN)
}
