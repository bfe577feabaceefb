//! Media files on disk: `{media_dir}/{token}` holds the bytes, `{token}.json` what they are.
//! The token is 32 random bytes in hex, so a file's URL cannot be guessed.

use std::path::{Path, PathBuf};

use bote_domain::{AccountId, MediaKind};
use rand::Rng;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use super::kinds::MediaType;

/// What is kept beside a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stored {
    pub token: String,
    pub account: AccountId,
    pub kind: MediaKind,
    pub content_type: String,
    /// The uploaded file's name, for documents.
    pub filename: String,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the file is larger than the {max_bytes} bytes a WhatsApp {kind} may have")]
    TooLarge { kind: &'static str, max_bytes: u64 },
    #[error("the file is empty")]
    Empty,
    #[error("storing the file: {0}")]
    Io(#[from] std::io::Error),
}

fn is_token(token: &str) -> bool {
    token.len() == 64
        && token
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn meta_path(dir: &Path, token: &str) -> PathBuf {
    dir.join(format!("{token}.json"))
}

/// Stores what `body` holds as a file of `media`, refusing it past the kind's size limit.
pub async fn save(
    dir: &Path,
    account: AccountId,
    filename: &str,
    media: MediaType,
    body: impl AsyncRead + Unpin,
) -> Result<Stored, MediaError> {
    tokio::fs::create_dir_all(dir).await?;
    let token = hex::encode(rand::rng().random::<[u8; 32]>());
    let part = dir.join(format!("{token}.part"));
    let mut out = tokio::fs::File::create(&part).await?;
    let mut limited = body.take(media.max_bytes + 1);
    let copied = tokio::io::copy(&mut limited, &mut out).await;
    let outcome = match copied {
        Ok(n) if n > media.max_bytes => Err(MediaError::TooLarge {
            kind: media.kind.as_str(),
            max_bytes: media.max_bytes,
        }),
        Ok(0) => Err(MediaError::Empty),
        Ok(n) => out.flush().await.map(|_| n).map_err(MediaError::from),
        Err(e) => Err(e.into()),
    };
    let bytes = match outcome {
        Ok(n) => n,
        Err(e) => {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(e);
        }
    };
    let stored = Stored {
        token: token.clone(),
        account,
        kind: media.kind,
        content_type: media.content_type.to_owned(),
        filename: filename
            .chars()
            .filter(|c| !c.is_control() && *c != '/' && *c != '\\' && *c != '"')
            .take(200)
            .collect(),
        bytes,
    };
    let meta = serde_json::to_vec(&stored).map_err(std::io::Error::other)?;
    tokio::fs::write(meta_path(dir, &token), meta).await?;
    tokio::fs::rename(&part, dir.join(&token)).await?;
    Ok(stored)
}

/// The file with this token and what it is; `None` for a token that names nothing.
pub async fn load(dir: &Path, token: &str) -> Option<(Stored, PathBuf)> {
    if !is_token(token) {
        return None;
    }
    let meta = tokio::fs::read(meta_path(dir, token)).await.ok()?;
    let stored: Stored = serde_json::from_slice(&meta).ok()?;
    let path = dir.join(token);
    tokio::fs::metadata(&path).await.ok()?;
    Some((stored, path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::media_type;

    #[tokio::test]
    async fn files_are_kept_found_by_token_and_limited() {
        let dir = tempfile::tempdir().unwrap();
        let png = media_type("image/png").unwrap();
        let stored = save(
            dir.path(),
            AccountId(7),
            "a/b\"c.png",
            png,
            &b"\x89PNG data"[..],
        )
        .await
        .unwrap();
        assert!(is_token(&stored.token));
        assert_eq!(stored.filename, "abc.png");
        let (found, path) = load(dir.path(), &stored.token).await.unwrap();
        assert_eq!(found, stored);
        assert_eq!(std::fs::read(path).unwrap(), b"\x89PNG data");
        assert!(load(dir.path(), "../etc/passwd").await.is_none());
        assert!(load(dir.path(), &"0".repeat(64)).await.is_none());

        let small = MediaType {
            max_bytes: 4,
            ..png
        };
        let big = save(dir.path(), AccountId(7), "x.png", small, &b"12345"[..]).await;
        assert!(matches!(big, Err(MediaError::TooLarge { .. })), "{big:?}");
        let empty = save(dir.path(), AccountId(7), "x.png", png, &b""[..]).await;
        assert!(matches!(empty, Err(MediaError::Empty)));
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "refused files leave nothing behind");
    }
}
