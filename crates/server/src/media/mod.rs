//! Media files for WhatsApp sends (R18), uploaded in the web composer and kept under the
//! configured `media_dir`. Each file gets an unguessable token; `GET /media/{token}` serves
//! it without a login, so the WhatsApp Cloud API can fetch it by link. Kinds and sizes are
//! the Cloud API's: a file it would refuse is refused at upload with the reason.

mod kinds;
mod serve;
mod stored;

pub use kinds::{MediaType, accepted, media_type};
pub use serve::serve;
pub use stored::{MediaError, Stored, load, save};
