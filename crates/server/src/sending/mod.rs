//! Accepting sends: checks that hold for every interface (native API, websms API, web UI),
//! then one store transaction that writes the send and all its messages.

mod accept;
mod spec;
mod template;
mod window;

pub use accept::{Accepted, Previewed, SendError, SendRequest, accept, accept_reply, preview};
pub use spec::{Media, MediaKind, SendSpec};
pub use template::{Template, TemplateError};
pub use window::{SendingWindow, WeekDays, WindowError, WindowInput, parse_time_zone};
