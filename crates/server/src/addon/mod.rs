//! The WhatsApp add-on (R1–R5): packages and their caps as data, activation by account
//! managers, the state an account sees, and the opt-in policy the consent code follows.

mod activate;
mod caps;
mod gate;
mod pending;
mod policy;
mod status;

pub use activate::{ActivateError, activate};
pub use caps::PackageCaps;
pub use gate::{NotActive, require_whatsapp};
pub use pending::{PendingSetup, pending_setups};
pub use policy::opt_in_policy;
pub use status::{WhatsappState, WhatsappStatus, whatsapp_status};
