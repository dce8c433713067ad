use crate::access::service::audit_entry;
use crate::access::session::first_node;
use crate::access::session::{
    Authenticated, clear_cookie, close_session, open_session, request_id, session_cookie_value,
};
use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::{Cursor, PageOut, clamp_limit};

use crate::access::service::users::*;
use crate::util::{ApiJson as Json, ApiQuery as Query};
use axum::Json as JsonOut;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tongxin_core::access::Action;
use tongxin_store::access::{self as store_access};
use tongxin_store::{audit, now_millis};

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "access", request_body = LoginRequest,
    responses((status = 200, body = MeView), (status = 401, body = crate::error::Problem)))]
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let actor = check_credentials(&state, &req.username, &req.password).await?;
    let (cookie, csrf) = open_session(&state, &actor, &headers).await?;
    let body = MeView {
        user_id: actor.user_id,
        username: actor.username.clone(),
        roles: role_views(&actor.bindings),
        csrf_token: Some(csrf),
    };
    let mut resp = JsonOut(body).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(resp)
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "access", responses((status = 204)))]
pub async fn logout(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
) -> ApiResult<Response> {
    close_session(&state, &actor, &headers).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(&state));
    Ok(resp)
}

#[utoipa::path(post, path = "/api/v1/auth/password", tag = "access", request_body = PasswordChange,
    responses((status = 204, description = "changed; the caller's other sessions are ended"), (status = 422, body = crate::error::Problem)))]
pub async fn post_password(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    Json(req): Json<PasswordChange>,
) -> ApiResult<StatusCode> {
    change_password(
        &state,
        &Context::new(actor.clone(), request_id(&headers)),
        session_cookie_value(&headers),
        &req,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "access", responses((status = 200, body = MeView), (status = 401, body = crate::error::Problem)))]
pub async fn me(Authenticated(actor): Authenticated) -> JsonOut<MeView> {
    JsonOut(MeView {
        user_id: actor.user_id,
        username: actor.username.clone(),
        roles: role_views(&actor.bindings),
        csrf_token: None,
    })
}

#[utoipa::path(post, path = "/api/v1/users", tag = "access", request_body = NewUserRequest,
    responses((status = 201, body = UserView), (status = 422, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn post_user(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    Json(req): Json<NewUserRequest>,
) -> ApiResult<(StatusCode, JsonOut<UserView>)> {
    let id = create_user(&state, &actor, &req, request_id(&headers)).await?;
    Ok((StatusCode::CREATED, JsonOut(user_view(&state, id).await?)))
}

#[utoipa::path(get, path = "/api/v1/users", tag = "access", params(UserListQuery),
    responses((status = 200, body = PageOut<UserView>)))]
pub async fn list_users(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Query(q): Query<UserListQuery>,
) -> ApiResult<JsonOut<PageOut<UserView>>> {
    let prefixes = crate::util::reach_within(&actor, Action::ManageUsers, q.within.as_deref())?;
    let after = Cursor::decode_i64(q.cursor.as_deref())?;
    let page =
        store_access::list_users(&state.store, &prefixes, after, clamp_limit(q.limit)).await?;
    Ok(JsonOut(PageOut::new(
        page.items.into_iter().map(|(u, b)| to_view(u, b)).collect(),
        page.next,
    )))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "access", params(("id" = i64, Path)),
    responses((status = 200, body = UserView), (status = 404, body = crate::error::Problem)))]
pub async fn disable_user(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult<JsonOut<UserView>> {
    set_user_disabled(&state, &actor, id, true, request_id(&headers)).await?;
    Ok(JsonOut(user_view(&state, id).await?))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "access", params(("id" = i64, Path)),
    responses((status = 200, body = UserView), (status = 404, body = crate::error::Problem)))]
pub async fn enable_user(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult<JsonOut<UserView>> {
    set_user_disabled(&state, &actor, id, false, request_id(&headers)).await?;
    Ok(JsonOut(user_view(&state, id).await?))
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "access", request_body = NewTokenRequest,
    responses((status = 201, body = TokenView), (status = 404, body = crate::error::Problem)))]
pub async fn post_token(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    Json(req): Json<NewTokenRequest>,
) -> ApiResult<(StatusCode, JsonOut<TokenView>)> {
    Ok((
        StatusCode::CREATED,
        JsonOut(issue_token(&state, &actor, &req, request_id(&headers)).await?),
    ))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "access", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let token = store_access::get_token(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    managed_user(&state, &actor, token.user_id).await?;
    let mut tx = state.store.begin().await?;
    store_access::revoke_token(&mut tx, id, now_millis()).await?;
    audit::record(
        &mut tx,
        &audit_entry(&actor, "token.revoke", "api_token", id.to_string())
            .node(first_node(&actor))
            .before(None)
            .after(None)
            .request(request_id(&headers)),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
