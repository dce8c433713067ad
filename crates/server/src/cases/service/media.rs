//! Case photos: JPEG, PNG or WebP, the type sniffed from the content (never trusted from the
//! client), size-limited, stored once per content hash, with a JPEG thumbnail.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use serde::Serialize;
use std::path::PathBuf;
use tongxin_core::access::Actor;
use tongxin_core::access::{Action, Target, authorize};
use tongxin_store::cases::MediaHolder;
use tongxin_store::cases::{self, MediaRow};
use tongxin_store::commit;
use utoipa::ToSchema;

pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
pub const THUMB_SIZE: u32 = 320;

/// The image type from the first bytes of the file.
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str, image::ImageFormat)> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg", image::ImageFormat::Jpeg))
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(("image/png", "png", image::ImageFormat::Png))
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", "webp", image::ImageFormat::WebP))
    } else {
        None
    }
}

/// Whether a JPEG's last scan is followed by its end-of-image marker. The decoder fills a
/// cut-off scan with grey instead of failing, so a photo cut in half in transit would
/// otherwise be kept as evidence. An EXIF thumbnail has its own scan and end marker earlier
/// in the file; only the last scan counts.
pub fn jpeg_complete(bytes: &[u8]) -> bool {
    let last = |marker: u8| {
        bytes
            .windows(2)
            .rposition(|w| w[0] == 0xFF && w[1] == marker)
    };
    match (last(0xDA), last(0xD9)) {
        (Some(scan), Some(end)) => end > scan,
        _ => false,
    }
}

pub(crate) fn paths(state: &AppState, hash: &str) -> (PathBuf, PathBuf) {
    let dir = state.config.media_dir.join(&hash[..2]);
    (dir.join(hash), dir.join(format!("{hash}.thumb.jpg")))
}

#[derive(Serialize, ToSchema)]
pub struct MediaView {
    /// SHA-256 of the content; pass it in `photos` of a handle action.
    pub hash: String,
    pub mime: String,
    pub bytes: i64,
    pub width: i64,
    pub height: i64,
    pub url: String,
    pub thumbnail_url: String,
}

pub(crate) fn media_view(m: MediaRow) -> MediaView {
    MediaView {
        url: format!("/api/v1/media/{}", m.hash),
        thumbnail_url: format!("/api/v1/media/{}/thumbnail", m.hash),
        hash: m.hash,
        mime: m.mime,
        bytes: m.bytes,
        width: m.width,
        height: m.height,
    }
}

pub(crate) async fn link_upload(state: &AppState, actor: &Actor, hash: &str) -> ApiResult<()> {
    let mut tx = state.store.begin().await?;
    cases::link_media(
        &mut tx,
        &[hash.to_string()],
        "upload",
        actor.user_id,
        "",
        actor.user_id,
    )
    .await?;
    commit(tx).await?;
    Ok(())
}

/// What reading a holder of each kind takes.
pub(crate) fn reading(holder: &str) -> Option<Action> {
    match holder {
        "case" => Some(Action::ViewCase),
        _ => None,
    }
}

pub(crate) fn may_read(actor: &Actor, h: &MediaHolder) -> bool {
    h.owner_id == actor.user_id
        || reading(&h.holder)
            .is_some_and(|action| authorize(actor, action, Target::Record(&h.node_code)).is_ok())
}

/// The photo, if the actor may read a record that holds it (or uploaded it); "not found"
/// otherwise, exactly as for a hash nobody uploaded.
pub async fn readable(state: &AppState, actor: &Actor, hash: &str) -> ApiResult<MediaRow> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::not_found());
    }
    let holders = cases::media_holders(&state.store, hash).await?;
    if !holders.iter().any(|h| may_read(actor, h)) {
        return Err(ApiError::not_found());
    }
    cases::get_media(&state.store, hash)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// A photo (or its thumbnail) the caller may read: its bytes and type.
pub async fn read(
    state: &AppState,
    actor: &Actor,
    hash: &str,
    thumbnail: bool,
) -> ApiResult<(Vec<u8>, String)> {
    let m = readable(state, actor, hash).await?;
    let (file, thumb) = paths(state, hash);
    let bytes = tokio::fs::read(if thumbnail { thumb } else { file })
        .await
        .map_err(|_| ApiError::not_found())?;
    let mime = if thumbnail {
        "image/jpeg".to_string()
    } else {
        m.mime
    };
    Ok((bytes, mime))
}
