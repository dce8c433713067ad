//! Decisions tracked to completion over HTTP: results with status and progress, children
//! rolling up to parents, a dated timeline, links to the cases and projects that carry them
//! out, and residents' rating at the end.

use crate::context::Context;
use crate::deliberation::service::decisions::*;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::util::{ApiJson, ApiQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

#[utoipa::path(post, path = "/api/v1/decisions", tag = "deliberation", request_body = NewDecision,
    responses((status = 201, body = DecisionDetail), (status = 422, body = crate::error::Problem)))]
pub async fn post_decision(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(req): ApiJson<NewDecision>,
) -> ApiResult<(StatusCode, Json<DecisionDetail>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::deliberation::service::decisions::post_decision(&state, &ctx, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/decisions", tag = "deliberation", params(DecisionListQuery),
    responses((status = 200, body = Vec<DecisionView>)))]
pub async fn list_decisions(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<DecisionListQuery>,
) -> ApiResult<Json<Vec<DecisionView>>> {
    Ok(Json(
        crate::deliberation::service::decisions::list_decisions(&state, &ctx, q).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/decisions/{id}", tag = "deliberation",
    responses((status = 200, body = DecisionDetail), (status = 404, body = crate::error::Problem)))]
pub async fn get_decision(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<DecisionDetail>> {
    Ok(Json(
        crate::deliberation::service::decisions::get_decision(&state, &ctx, id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/decisions/{id}/progress", tag = "deliberation",
    request_body = ProgressRequest,
    responses((status = 200, body = DecisionDetail), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn post_progress(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<ProgressRequest>,
) -> ApiResult<Json<DecisionDetail>> {
    Ok(Json(
        crate::deliberation::service::decisions::post_progress(&state, &ctx, id, req).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/decisions/{id}/links", tag = "deliberation",
    request_body = LinkRequest,
    responses((status = 200, body = DecisionDetail), (status = 422, body = crate::error::Problem)))]
pub async fn post_link(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<LinkRequest>,
) -> ApiResult<Json<DecisionDetail>> {
    Ok(Json(
        crate::deliberation::service::decisions::post_link(&state, &ctx, id, req).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/decisions/{id}/parent", tag = "deliberation",
    request_body = ParentRequest,
    responses((status = 200, body = DecisionDetail), (status = 422, body = crate::error::Problem)))]
pub async fn post_parent(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<ParentRequest>,
) -> ApiResult<Json<DecisionDetail>> {
    Ok(Json(
        crate::deliberation::service::decisions::post_parent(&state, &ctx, id, req).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/decisions/{id}/rate", tag = "deliberation",
    request_body = RateRequest,
    responses((status = 200, body = DecisionDetail), (status = 409, body = crate::error::Problem)))]
pub async fn post_rating(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<RateRequest>,
) -> ApiResult<Json<DecisionDetail>> {
    Ok(Json(
        crate::deliberation::service::decisions::post_rating(&state, &ctx, id, req).await?,
    ))
}
