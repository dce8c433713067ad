//! Small pieces every capability's routes share: cursors, pages, scope narrowing.

use crate::error::{ApiError, ApiResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use tongxin_core::access::{Action, Actor, Denial, Target, authorize};
use tongxin_core::territory::NodeCode;
use utoipa::ToSchema;

pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 1000;

pub fn clamp_limit(limit: Option<usize>) -> usize {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// A list page: follow `next_cursor` (opaque) until it is absent.
#[derive(Serialize, ToSchema)]
pub struct PageOut<T: ToSchema> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> PageOut<T> {
    pub fn new(items: Vec<T>, next_key: Option<String>) -> Self {
        PageOut {
            items,
            next_cursor: next_key.map(|k| Cursor::encode(&k)),
        }
    }
}

pub struct Cursor;

impl Cursor {
    pub fn encode(key: &str) -> String {
        URL_SAFE_NO_PAD.encode(key.as_bytes())
    }

    pub fn decode(cursor: Option<&str>) -> ApiResult<Option<String>> {
        let Some(c) = cursor else { return Ok(None) };
        URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map(Some)
            .ok_or_else(|| ApiError::field("cursor", "游标无效 / invalid cursor"))
    }

    pub fn decode_i64(cursor: Option<&str>) -> ApiResult<Option<i64>> {
        match Cursor::decode(cursor)? {
            None => Ok(None),
            Some(s) => s
                .parse()
                .map(Some)
                .map_err(|_| ApiError::field("cursor", "游标无效 / invalid cursor")),
        }
    }
}

/// The code prefixes the actor may `action` on inside `within` (or everywhere they reach).
/// A node outside every binding is answered as not found.
pub fn reach_within(actor: &Actor, action: Action, within: Option<&str>) -> ApiResult<Vec<String>> {
    let own = actor.scope_prefixes(action);
    let Some(within) = within else {
        return if own.is_empty() {
            Err(Denial::Forbidden.into())
        } else {
            Ok(own)
        };
    };
    let node = NodeCode::parse(within).map_err(|e| ApiError::field("within", e.to_string()))?;
    let w = node.scope_prefix();
    let narrowed: Vec<String> = own
        .iter()
        .filter_map(|b| {
            if b.starts_with(w) {
                Some(b.clone())
            } else if w.starts_with(b.as_str()) {
                Some(w.to_string())
            } else {
                None
            }
        })
        .collect();
    if narrowed.is_empty() {
        authorize(actor, action, Target::Node(within))?;
        return Err(ApiError::not_found());
    }
    Ok(narrowed)
}

/// JSON body extractor whose rejections are problem+json naming what was wrong.
pub struct ApiJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(ApiError::bad_request(format!(
                "请求体不是有效的 JSON 或字段不符 / body is not valid JSON for this endpoint: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// Query-string extractor whose rejections are problem+json.
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(rejection) => Err(ApiError::bad_request(format!(
                "查询参数有误 / bad query parameters: {}",
                rejection.body_text()
            ))),
        }
    }
}
