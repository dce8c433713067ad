//! 四议两公开 over HTTP: a major matter moves through its six stages strictly in order; a
//! passed resolution becomes a decision tracked to completion.

use crate::context::Context;
use crate::deliberation::service::matters::*;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::util::{ApiJson, ApiQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

#[utoipa::path(post, path = "/api/v1/matters", tag = "deliberation", request_body = NewMatter,
    responses((status = 201, body = MatterDetail), (status = 422, body = crate::error::Problem)))]
pub async fn post_matter(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(req): ApiJson<NewMatter>,
) -> ApiResult<(StatusCode, Json<MatterDetail>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::deliberation::service::matters::post_matter(&state, &ctx, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/matters/{id}", tag = "deliberation",
    responses((status = 200, body = MatterDetail), (status = 404, body = crate::error::Problem)))]
pub async fn get_matter(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<MatterDetail>> {
    Ok(Json(
        crate::deliberation::service::matters::get_matter(&state, &ctx, id).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/matters", tag = "deliberation", params(MatterListQuery),
    responses((status = 200, body = Vec<MatterView>)))]
pub async fn list_matters(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<MatterListQuery>,
) -> ApiResult<Json<Vec<MatterView>>> {
    Ok(Json(
        crate::deliberation::service::matters::list_matters(&state, &ctx, q).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/matters/{id}/stages", tag = "deliberation",
    request_body = StageRequest,
    responses((status = 200, body = MatterDetail),
        (status = 409, description = "out of order: names the next allowed stage", body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn post_stage(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<StageRequest>,
) -> ApiResult<Json<MatterDetail>> {
    Ok(Json(
        crate::deliberation::service::matters::post_stage(&state, &ctx, id, req).await?,
    ))
}
