//! `Idempotency-Key` on POSTs: a retry with the same key gets the first answer, and the
//! change happens once (phones on bad connections retry).

use crate::access::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tongxin_store::{access, now_millis};

pub const HEADER: &str = "idempotency-key";

pub async fn idempotent(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let key = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let user_id = match req.extensions().get::<Caller>() {
        Some(Caller::Known { actor, .. }) => Some(actor.user_id),
        _ => None,
    };
    let (Some(key), Some(user_id), true) = (key, user_id, req.method() == Method::POST) else {
        return next.run(req).await;
    };
    if key.is_empty() || key.len() > 200 {
        return ApiError::field(
            "Idempotency-Key",
            "须为 1–200 个字符 / must have 1–200 characters",
        )
        .into_response();
    }
    match run_once(&state, user_id, &key, req, next).await {
        Ok(r) | Err(r) => r,
    }
}

async fn run_once(
    state: &AppState,
    user_id: i64,
    key: &str,
    req: Request,
    next: Next,
) -> Result<Response, Response> {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, state.config.max_body_bytes)
        .await
        .map_err(|_| {
            ApiError::bad_request("请求体过大或不完整 / body too large or incomplete")
                .into_response()
        })?;
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str());
    hasher.update(parts.uri.to_string());
    hasher.update(&bytes);
    let fingerprint = hex::encode(hasher.finalize());
    let store = &state.store;
    let claimed = access::reserve_idempotent(store, user_id, key, &fingerprint, now_millis())
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    if !claimed {
        return Err(replay(state, user_id, key, &fingerprint).await);
    }
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (rparts, rbody) = resp.into_parts();
    let rbytes = to_bytes(rbody, usize::MAX).await.unwrap_or_default();
    // A refusal changed nothing: the key is free again, so the corrected request (a phone
    // that moved its position) may go out under it; only a success is replayed.
    let outcome = if rparts.status.is_server_error() || rparts.status.is_client_error() {
        access::release_idempotent(store, user_id, key).await
    } else {
        let text = String::from_utf8_lossy(&rbytes);
        access::complete_idempotent(store, user_id, key, rparts.status.as_u16() as i64, &text).await
    };
    if let Err(e) = outcome {
        tracing::error!(error = %e, "idempotency record not saved");
    }
    Ok(Response::from_parts(rparts, Body::from(rbytes)))
}

async fn replay(state: &AppState, user_id: i64, key: &str, fingerprint: &str) -> Response {
    let found = match access::find_idempotent(&state.store, user_id, key).await {
        Ok(f) => f,
        Err(e) => return ApiError::from(e).into_response(),
    };
    match found {
        Some(a) if a.request_fingerprint != fingerprint => ApiError::invalid(
            "同一 Idempotency-Key 用于了不同的请求 / this Idempotency-Key was used for a different request",
            vec![],
        )
        .into_response(),
        Some(a) if a.status == 0 => ApiError::conflict(
            "同一 Idempotency-Key 的请求仍在处理中，请稍后重试 / a request with this key is still running; retry shortly",
        )
        .into_response(),
        Some(a) => {
            let status = StatusCode::from_u16(a.status as u16).unwrap_or(StatusCode::OK);
            let mut resp = (status, a.body).into_response();
            let ctype = if status.is_success() { "application/json" } else { "application/problem+json" };
            resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
            resp.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            resp
        }
        None => ApiError::conflict("请重试 / retry the request").into_response(),
    }
}
