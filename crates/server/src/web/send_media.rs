//! Media for a WhatsApp send (R18): the composer's upload form stores a file (`media`), and
//! the send's content links to it at `/media/{token}` under the address the person reached
//! bote by, so the Cloud API can fetch it. The text typed becomes the caption.

use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use bote_domain::{AccountId, ChannelKind, MediaKind};
use chrono_tz::Tz;
use futures::TryStreamExt;

use super::page::{WebError, render};
use super::send::{SendForm, page};
use super::session::{WebUser, is_https};
use crate::accounts::account_zone;
use crate::app::AppState;
use crate::media::{MediaError, load, media_type, save};
use crate::sending::Media;

/// A file attached to the composer.
pub struct Attached {
    pub token: String,
    pub kind: &'static str,
    pub filename: String,
}

/// The address files are linked under: the host the browser used, over HTTPS when a proxy
/// says so.
pub fn public_base(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if is_https(headers) { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// The media a form names by token: the account's own file, as a send's content.
pub async fn media_of(
    state: &AppState,
    account: AccountId,
    token: &str,
    headers: &HeaderMap,
) -> Result<Option<(Media, Attached)>, String> {
    let token = token.trim();
    if token.is_empty() {
        return Ok(None);
    }
    let (stored, _) = load(&state.config.media_dir, token)
        .await
        .filter(|(s, _)| s.account == account)
        .ok_or_else(|| "media: the attached file is gone; please upload it again".to_owned())?;
    let media = Media {
        kind: stored.kind,
        url: format!("{}/media/{}", public_base(headers), stored.token),
        caption: None,
        filename: (stored.kind == MediaKind::Document).then(|| stored.filename.clone()),
    };
    let attached = Attached {
        token: stored.token,
        kind: stored.kind.as_str(),
        filename: stored.filename,
    };
    Ok(Some((media, attached)))
}

/// The WhatsApp composer after an upload; `zone` is the account's time zone.
fn composer(
    user: &WebUser,
    zone: Tz,
    status: StatusCode,
    attached: Option<Attached>,
    error: Option<String>,
) -> Response {
    let form = SendForm::for_channel(ChannelKind::Whatsapp);
    let mut p = page(user, Some(ChannelKind::Whatsapp), form, zone);
    p.error = error;
    p.media = attached;
    render(status, &p)
}

/// `POST /send/media`: the form's `csrf` field first, then `file`.
pub async fn upload(
    State(state): State<AppState>,
    user: WebUser,
    mut form: Multipart,
) -> Result<Response, WebError> {
    let account = user.user.account_id.ok_or(WebError::Forbidden(user.lang))?;
    let zone = account_zone(&state, account).await?;
    let mut csrf_ok = false;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                let error = Some(format!("media: {e}"));
                return Ok(composer(&user, zone, StatusCode::BAD_REQUEST, None, error));
            }
        };
        match field.name() {
            Some("csrf") => {
                user.check_csrf(&field.text().await.unwrap_or_default())?;
                csrf_ok = true;
            }
            Some("file") if csrf_ok => {
                let filename = field.file_name().unwrap_or_default().to_owned();
                if filename.is_empty() {
                    break;
                }
                let declared = field.content_type().unwrap_or_default().to_owned();
                let Some(kind) = media_type(&declared) else {
                    let error = format!(
                        "media: '{declared}' files cannot be sent by WhatsApp; accepted: {}",
                        crate::media::accepted()
                    );
                    let status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
                    return Ok(composer(&user, zone, status, None, Some(error)));
                };
                let body = tokio_util::io::StreamReader::new(
                    field.map_err(|e| std::io::Error::other(e.to_string())),
                );
                return Ok(
                    match save(&state.config.media_dir, account, &filename, kind, body).await {
                        Ok(stored) => {
                            let attached = Attached {
                                token: stored.token,
                                kind: stored.kind.as_str(),
                                filename: stored.filename,
                            };
                            composer(&user, zone, StatusCode::OK, Some(attached), None)
                        }
                        Err(MediaError::Io(e)) => {
                            tracing::error!(error = %e, "storing an upload failed");
                            let error = Some(format!("media: {}", MediaError::Io(e)));
                            composer(&user, zone, StatusCode::INTERNAL_SERVER_ERROR, None, error)
                        }
                        Err(e) => {
                            let status = match e {
                                MediaError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                                _ => StatusCode::UNPROCESSABLE_ENTITY,
                            };
                            composer(&user, zone, status, None, Some(format!("media: {e}")))
                        }
                    },
                );
            }
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(WebError::Csrf(user.lang));
    }
    let error = Some(format!("media: {}", user.lang.flow().media_no_file));
    Ok(composer(
        &user,
        zone,
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
        error,
    ))
}
