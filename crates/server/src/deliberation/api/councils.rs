//! Councils: creation, rules, the versioned charter, members; and the link from an account
//! to the resident it votes as.

use crate::context::Context;
use crate::deliberation::service::councils::*;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::util::{ApiJson, ApiQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

#[utoipa::path(post, path = "/api/v1/councils", tag = "deliberation", request_body = NewCouncilRequest,
    responses((status = 201, body = CouncilView), (status = 422, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn post_council(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(req): ApiJson<NewCouncilRequest>,
) -> ApiResult<(StatusCode, Json<CouncilView>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::deliberation::service::councils::post_council(&state, &ctx, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/councils", tag = "deliberation", params(CouncilListQuery),
    responses((status = 200, body = Vec<CouncilSummary>)))]
pub async fn list_councils(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<CouncilListQuery>,
) -> ApiResult<Json<Vec<CouncilSummary>>> {
    Ok(Json(
        crate::deliberation::service::councils::list_councils(&state, &ctx, q).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/councils/{id}", tag = "deliberation", params(("id" = i64, Path)),
    responses((status = 200, body = CouncilView), (status = 404, body = crate::error::Problem)))]
pub async fn get_council(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<CouncilView>> {
    Ok(Json(
        crate::deliberation::service::councils::get_council(&state, &ctx, id).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/councils/{id}/rules", tag = "deliberation", params(("id" = i64, Path)), request_body(content = serde_json::Value, description = "rules to change, e.g. {\"seats\": 99, \"quorum\": {\"num\": 2, \"den\": 3, \"strict\": false}}; the others keep their values"),
    responses((status = 200, body = CouncilView), (status = 422, body = crate::error::Problem)))]
pub async fn put_rules(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Json<CouncilView>> {
    Ok(Json(
        crate::deliberation::service::councils::put_rules(&state, &ctx, id, body).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/councils/{id}/charters", tag = "deliberation", params(("id" = i64, Path)), request_body = NewCharterRequest,
    responses((status = 201, body = CharterView), (status = 422, body = crate::error::Problem)))]
pub async fn post_charter(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<NewCharterRequest>,
) -> ApiResult<(StatusCode, Json<CharterView>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::deliberation::service::councils::post_charter(&state, &ctx, id, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/councils/{id}/charters", tag = "deliberation", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<CharterView>)))]
pub async fn list_charters(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<CharterView>>> {
    Ok(Json(
        crate::deliberation::service::councils::list_charters(&state, &ctx, id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/councils/{id}/members", tag = "deliberation", operation_id = "post_council_member", params(("id" = i64, Path)), request_body = NewMemberRequest,
    responses((status = 201, body = MemberView), (status = 422, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn post_member(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<NewMemberRequest>,
) -> ApiResult<(StatusCode, Json<MemberView>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::deliberation::service::councils::post_member(&state, &ctx, id, req).await?),
    ))
}

#[utoipa::path(patch, path = "/api/v1/council-members/{id}", tag = "deliberation", params(("id" = i64, Path)), request_body = MemberChange,
    responses((status = 200, body = MemberView), (status = 422, body = crate::error::Problem)))]
pub async fn patch_member(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<MemberChange>,
) -> ApiResult<Json<MemberView>> {
    Ok(Json(
        crate::deliberation::service::councils::patch_member(&state, &ctx, id, req).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/users/{id}/resident", tag = "deliberation", params(("id" = i64, Path)), request_body = LinkResidentRequest,
    responses((status = 200, body = LinkView), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn put_user_resident(
    State(state): State<AppState>,
    ctx: Context,
    Path(user_id): Path<i64>,
    ApiJson(req): ApiJson<LinkResidentRequest>,
) -> ApiResult<Json<LinkView>> {
    Ok(Json(
        crate::deliberation::service::councils::put_user_resident(&state, &ctx, user_id, req)
            .await?,
    ))
}
