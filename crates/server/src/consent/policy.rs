//! What an account's WhatsApp package allows around consent (R2, R3): the policy type is
//! the domain's, and the account's policy comes from its add-on (`crate::addon`).

pub use crate::addon::opt_in_policy;
pub use bote_domain::OptInPolicy;
