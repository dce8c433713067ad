//! Patrol logs over HTTP: a grid worker starts a patrol, sends track points (any CRS), ends
//! it; cases reported with the patrol's id count as its findings; coverage per grid and day.

use crate::cases::service::patrols::*;
use crate::context::Context;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::util::{ApiJson, ApiQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

#[utoipa::path(post, path = "/api/v1/patrols", tag = "cases", request_body = StartPatrol,
    responses((status = 201, body = PatrolView), (status = 409, body = crate::error::Problem)))]
pub async fn start_patrol(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(req): ApiJson<StartPatrol>,
) -> ApiResult<(StatusCode, Json<PatrolView>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::cases::service::patrols::start_patrol(&state, &ctx, req).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/patrols/{id}/points", tag = "cases", params(("id" = i64, Path)), request_body = TrackPoints,
    responses((status = 200, body = PatrolView), (status = 422, body = crate::error::Problem)))]
pub async fn add_points(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<TrackPoints>,
) -> ApiResult<Json<PatrolView>> {
    Ok(Json(
        crate::cases::service::patrols::add_points(&state, &ctx, id, req).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/patrols/{id}/end", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = PatrolView), (status = 409, body = crate::error::Problem)))]
pub async fn end_patrol(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<PatrolView>> {
    Ok(Json(
        crate::cases::service::patrols::end_patrol(&state, &ctx, id).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/patrols/coverage", tag = "cases", params(CoverageQuery),
    responses((status = 200, body = CoverageView)))]
pub async fn coverage(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> ApiResult<Json<CoverageView>> {
    Ok(Json(
        crate::cases::service::patrols::coverage(&state, &ctx, q).await?,
    ))
}
