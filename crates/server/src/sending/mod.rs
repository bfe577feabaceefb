//! Accepting sends: checks that hold for every interface (native API, websms API, web UI),
//! then one store transaction that writes the send and all its messages.

mod accept;
mod spec;

pub use accept::{Accepted, Previewed, SendError, SendRequest, accept, preview};
pub use spec::{Media, MediaKind, SendSpec};
