//! Resolving who is calling: a session cookie (people) or a bearer token (integrations).

use crate::access::audit_entry;
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tongxin_core::access::{Actor, Binding, Credential, Role};
use tongxin_core::territory::NodeCode;
use tongxin_store::access::SessionRow;
use tongxin_store::audit;
use tongxin_store::{access, access as store_access, now_millis};

pub const SESSION_COOKIE: &str = "tongxin_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const TOKEN_PREFIX: &str = "txn_";

/// What the auth layer found for this request.
#[derive(Clone, Debug)]
pub enum Caller {
    Anonymous,
    /// A credential was presented but is no longer good: say why on 401.
    Rejected(&'static str),
    Known {
        actor: Actor,
        csrf: Option<String>,
    },
}

pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// Secrets are stored only as their SHA-256, so a copy of the database grants nothing.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub fn session_cookie_value(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| cookie::Cookie::split_parse(v.to_string()))
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE)
        .map(|c| c.value().to_string())
}

fn bearer(headers: &axum::http::HeaderMap) -> Option<String> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

pub async fn load_actor(
    state: &AppState,
    user_id: i64,
    credential: Credential,
) -> Result<Option<Actor>, ApiError> {
    let Some(user) = access::get_user(&state.store, user_id).await? else {
        return Ok(None);
    };
    if user.is_disabled() {
        return Ok(None);
    }
    let bindings = access::bindings(&state.store, user_id)
        .await?
        .into_iter()
        .filter_map(|b| {
            Some(Binding {
                role: Role::parse(&b.role)?,
                node: NodeCode::parse(&b.node_code).ok()?,
            })
        })
        .collect();
    Ok(Some(Actor {
        user_id,
        username: user.username,
        display_name: user.display_name,
        bindings,
        credential,
    }))
}

async fn identify(state: &AppState, parts: &axum::http::HeaderMap) -> Result<Caller, ApiError> {
    let now = now_millis();
    if let Some(token) = bearer(parts) {
        let Some(row) = access::find_token(&state.store, &secret_hash(&token)).await? else {
            return Ok(Caller::Rejected("令牌无效 / invalid token"));
        };
        if row.revoked_at.is_some() {
            return Ok(Caller::Rejected("令牌已吊销 / token revoked"));
        }
        if row.expires_at.is_some_and(|e| e < now) {
            return Ok(Caller::Rejected("令牌已过期 / token expired"));
        }
        if row.scope.is_some() {
            return Ok(Caller::Rejected(
                "此令牌仅用于 Open311（api_key）/ this key is for Open311 only (as api_key)",
            ));
        }
        return Ok(
            match load_actor(state, row.user_id, Credential::Token).await? {
                Some(actor) => Caller::Known { actor, csrf: None },
                None => Caller::Rejected("账号已停用 / account disabled"),
            },
        );
    }
    if let Some(sid) = session_cookie_value(parts) {
        let Some(session) = access::find_session(&state.store, &secret_hash(&sid)).await? else {
            return Ok(Caller::Rejected(
                "会话无效，请重新登录 / session not found, sign in again",
            ));
        };
        if session.expires_at < now {
            return Ok(Caller::Rejected(
                "会话已过期，请重新登录 / session expired, sign in again",
            ));
        }
        return Ok(
            match load_actor(state, session.user_id, Credential::Session).await? {
                Some(actor) => Caller::Known {
                    actor,
                    csrf: Some(session.csrf_token),
                },
                None => Caller::Rejected("账号已停用 / account disabled"),
            },
        );
    }
    Ok(Caller::Anonymous)
}

fn unsafe_method(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Resolves the caller once per request and enforces CSRF on cookie-authenticated API
/// writes (forms check their own hidden field).
pub async fn resolve_caller(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let caller = match identify(&state, req.headers()).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if let Caller::Known {
        actor,
        csrf: Some(csrf),
    } = &caller
    {
        let api_write = unsafe_method(req.method()) && req.uri().path().starts_with("/api/");
        let exempt = req.uri().path() == "/api/v1/auth/login";
        if api_write && !exempt && actor.credential == Credential::Session {
            let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent != Some(csrf.as_str()) {
                return ApiError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "csrf",
                    "CSRF 校验失败 / CSRF check failed",
                    "使用会话 Cookie 的写请求须带 X-CSRF-Token 头 / cookie-authenticated writes need the X-CSRF-Token header",
                )
                .into_response();
            }
        }
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

/// Extractor for handlers that need a signed-in caller.
pub struct Authenticated(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Caller>() {
            Some(Caller::Known { actor, .. }) => Ok(Authenticated(actor.clone())),
            Some(Caller::Rejected(why)) => Err(ApiError::unauthenticated(*why)),
            _ => Err(ApiError::unauthenticated(
                "请先登录或提供 Bearer 令牌 / sign in or send a bearer token",
            )),
        }
    }
}

/// Extractor for handlers: the signed-in caller and the request id, as services take them.
impl<S: Send + Sync> FromRequestParts<S> for crate::context::Context {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Authenticated(actor) = Authenticated::from_request_parts(parts, state).await?;
        Ok(crate::context::Context::new(
            actor,
            request_id(&parts.headers),
        ))
    }
}

/// The request id assigned by the tracing layer, for audit records.
pub fn request_id(parts: &axum::http::HeaderMap) -> Option<String> {
    parts
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Creates a session for a user whose password was checked; returns the cookie and CSRF token.
pub async fn open_session(
    state: &AppState,
    actor: &Actor,
    headers: &HeaderMap,
) -> ApiResult<(HeaderValue, String)> {
    let sid = random_token(32);
    let csrf = random_token(16);
    let now = now_millis();
    let mut tx = state.store.begin().await?;
    store_access::create_session(
        &mut tx,
        &SessionRow {
            id_hash: secret_hash(&sid),
            user_id: actor.user_id,
            csrf_token: csrf.clone(),
            created_at: now,
            expires_at: now + state.config.session_ttl_ms,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "session.login", "user", actor.user_id.to_string())
            .node(first_node(actor))
            .before(None)
            .after(None)
            .request(request_id(headers)),
    )
    .await?;
    tx.commit().await?;
    let cookie = cookie::Cookie::build((SESSION_COOKIE, sid))
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .secure(state.config.secure_cookies)
        .path("/")
        .max_age(cookie::time::Duration::milliseconds(
            state.config.session_ttl_ms,
        ))
        .build();
    let value = HeaderValue::from_str(&cookie.to_string()).map_err(ApiError::internal)?;
    Ok((value, csrf))
}

pub fn clear_cookie(state: &AppState) -> HeaderValue {
    let cookie = cookie::Cookie::build((SESSION_COOKIE, ""))
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .secure(state.config.secure_cookies)
        .path("/")
        .max_age(cookie::time::Duration::ZERO)
        .build();
    HeaderValue::from_str(&cookie.to_string()).expect("ascii cookie")
}

pub async fn close_session(state: &AppState, actor: &Actor, headers: &HeaderMap) -> ApiResult<()> {
    if let Some(sid) = session_cookie_value(headers) {
        let mut tx = state.store.begin().await?;
        store_access::delete_session(&mut tx, &secret_hash(&sid)).await?;
        audit::record(
            &mut tx,
            &audit_entry(actor, "session.logout", "user", actor.user_id.to_string())
                .node(first_node(actor))
                .before(None)
                .after(None)
                .request(request_id(headers)),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The node an actor's audit records are filed under: their first binding.
pub fn first_node(actor: &Actor) -> Option<String> {
    actor.bindings.first().map(|b| b.node.to_string())
}
