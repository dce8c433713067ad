//! Case photos: JPEG, PNG or WebP, the type sniffed from the content (never trusted from the
//! client), size-limited, stored once per content hash, with a JPEG thumbnail.

use crate::access::Authenticated;
use crate::cases::service::media::*;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tongxin_core::access::Actor;
use tongxin_store::cases::{self, MediaRow};
use tongxin_store::now_millis;

#[utoipa::path(post, path = "/api/v1/media", tag = "cases",
    request_body(content = crate::util::FileBytes, content_type = "application/octet-stream", description = "a JPEG, PNG or WebP photo, at most 10 MiB"),
    responses((status = 201, body = MediaView), (status = 413, body = crate::error::Problem), (status = 415, body = crate::error::Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<MediaView>)> {
    if body.len() > MAX_PHOTO_BYTES {
        return Err(problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "photo-too-large",
            "照片不能超过 10 MiB / a photo may be at most 10 MiB",
        ));
    }
    let (mime, _ext, format) = sniff(&body).ok_or_else(|| {
        problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not-an-image",
            "只接受 JPEG、PNG 或 WebP 照片 / only JPEG, PNG or WebP photos are accepted",
        )
    })?;
    if format == image::ImageFormat::Jpeg && !jpeg_complete(&body) {
        return Err(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo-incomplete",
            "照片不完整（传输中断？），请重新上传 / the photo is incomplete (cut off in transit?); upload it again",
        ));
    }
    let hash = hex::encode(Sha256::digest(&body));
    if let Some(existing) = cases::get_media(&state.store, &hash).await? {
        // They hold the bytes, so they may read them back, and nothing more.
        link_upload(&state, &actor, &hash).await?;
        return Ok((StatusCode::OK, Json(media_view(existing))));
    }
    let bytes = body.to_vec();
    let (width, height, thumb) =
        tokio::task::spawn_blocking(move || -> Result<(u32, u32, Vec<u8>), String> {
            let img =
                image::load_from_memory_with_format(&bytes, format).map_err(|e| e.to_string())?;
            let thumb = img.thumbnail(THUMB_SIZE, THUMB_SIZE).to_rgb8();
            let mut out = std::io::Cursor::new(Vec::new());
            thumb
                .write_to(&mut out, image::ImageFormat::Jpeg)
                .map_err(|e| e.to_string())?;
            Ok((img.width(), img.height(), out.into_inner()))
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| {
            problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "not-an-image",
                &format!("照片无法解码 / the photo cannot be decoded: {e}"),
            )
        })?;
    let (file, thumb_file) = paths(&state, &hash);
    if let Some(dir) = file.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(ApiError::internal)?;
    }
    tokio::fs::write(&file, &body)
        .await
        .map_err(ApiError::internal)?;
    tokio::fs::write(&thumb_file, &thumb)
        .await
        .map_err(ApiError::internal)?;
    let row = MediaRow {
        hash,
        mime: mime.into(),
        bytes: body.len() as i64,
        width: i64::from(width),
        height: i64::from(height),
        created_by: actor.user_id,
        created_at: now_millis(),
    };
    cases::insert_media(&state.store, &row).await?;
    link_upload(&state, &actor, &row.hash).await?;
    Ok((StatusCode::CREATED, Json(media_view(row))))
}

#[utoipa::path(get, path = "/api/v1/media/{hash}", tag = "cases", params(("hash" = String, Path)), responses((status = 200, description = "the photo", content_type = "image/*"), (status = 404, body = crate::error::Problem, description = "no such photo, or none the caller may read")))]
pub async fn get_media(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(hash): Path<String>,
) -> ApiResult<Response> {
    serve(&state, &actor, &hash, false).await
}

#[utoipa::path(get, path = "/api/v1/media/{hash}/thumbnail", tag = "cases", params(("hash" = String, Path)), responses((status = 200, description = "a 320-pixel JPEG thumbnail", content_type = "image/jpeg"), (status = 404, body = crate::error::Problem, description = "no such photo, or none the caller may read")))]
pub async fn get_thumbnail(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(hash): Path<String>,
) -> ApiResult<Response> {
    serve(&state, &actor, &hash, true).await
}

fn problem(status: StatusCode, slug: &'static str, detail: &str) -> ApiError {
    ApiError::new(status, slug, "照片无法接受 / Photo not accepted", detail)
}

/// The bytes with their type, kept by no one but this user's browser.
async fn serve(
    state: &AppState,
    actor: &Actor,
    hash: &str,
    thumbnail: bool,
) -> ApiResult<Response> {
    let (bytes, mime) = read(state, actor, hash, thumbnail).await?;
    let mut resp = bytes.into_response();
    if let Ok(v) = HeaderValue::from_str(&mime) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    // Personal data: only this user's browser may keep it, and asks again after an hour so a
    // photo whose case moved out of reach stops being shown. The bytes never change.
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    resp.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Cookie, Authorization"),
    );
    Ok(resp)
}
