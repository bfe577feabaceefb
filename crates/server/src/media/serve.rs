//! `GET /media/{token}`: a stored file, without a login (the token is the secret), so the
//! WhatsApp Cloud API can fetch it by link.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::stored::load;
use crate::app::AppState;

pub async fn serve(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some((stored, path)) = load(&state.config.media_dir, &token).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let disposition = format!("inline; filename=\"{}\"", stored.filename);
    (
        [
            (header::CONTENT_TYPE, stored.content_type),
            (header::CONTENT_LENGTH, stored.bytes.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, max-age=86400".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        body,
    )
        .into_response()
}
