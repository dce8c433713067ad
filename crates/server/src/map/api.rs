//! The one map's API: boundaries (simplified for the city view), a measure per node, a node's
//! panel and case markers — all within the caller's reach.

use crate::context::Context;
use crate::error::ApiResult;
use crate::map::service::*;
use crate::state::AppState;
use crate::util::ApiQuery;
use axum::Json;
use axum::extract::{Path, State};

#[utoipa::path(get, path = "/api/v1/map/geometry", tag = "map", params(GeometryQuery),
    responses((status = 200, body = GeometryView)))]
pub async fn geometry(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<GeometryQuery>,
) -> ApiResult<Json<GeometryView>> {
    Ok(Json(crate::map::service::geometry(&state, &ctx, q).await?))
}

#[utoipa::path(get, path = "/api/v1/map/measures", tag = "map", params(MeasureQuery),
    responses((status = 200, body = MeasureView)))]
pub async fn measures(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<MeasureQuery>,
) -> ApiResult<Json<MeasureView>> {
    Ok(Json(crate::map::service::measures(&state, &ctx, q).await?))
}

#[utoipa::path(get, path = "/api/v1/map/node/{code}", tag = "map", params(("code" = String, Path)),
    responses((status = 200, body = NodeView), (status = 404, body = crate::error::Problem)))]
pub async fn node(
    State(state): State<AppState>,
    ctx: Context,
    Path(code): Path<String>,
) -> ApiResult<Json<NodeView>> {
    Ok(Json(crate::map::service::node(&state, &ctx, code).await?))
}

#[utoipa::path(get, path = "/api/v1/map/cases", tag = "map", params(MarkerQuery),
    responses((status = 200, body = MarkersView)))]
pub async fn case_markers(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<MarkerQuery>,
) -> ApiResult<Json<MarkersView>> {
    Ok(Json(
        crate::map::service::case_markers(&state, &ctx, q).await?,
    ))
}
