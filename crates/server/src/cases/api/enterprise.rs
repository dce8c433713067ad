//! Enterprise service (工业振兴特派员): commissioners assigned to enterprises report the
//! enterprises' problems as cases (channel "enterprise", 企业诉求 categories), routed to
//! departments like any case; the closure is confirmed on the enterprise's behalf by its
//! commissioner.

use crate::cases::service::enterprise::*;
use crate::context::Context;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::util::{ApiJson, ApiQuery};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

#[utoipa::path(post, path = "/api/v1/commissioners/assignments", tag = "cases", request_body = NewAssignment,
    responses((status = 201, body = AssignmentView), (status = 422, body = crate::error::Problem)))]
pub async fn assign(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(req): ApiJson<NewAssignment>,
) -> ApiResult<(StatusCode, Json<AssignmentView>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::cases::service::enterprise::assign(&state, &ctx, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/commissioners/assignments", tag = "cases", params(AssignmentQuery),
    responses((status = 200, body = Vec<AssignmentView>)))]
pub async fn list_assignments(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<AssignmentQuery>,
) -> ApiResult<Json<Vec<AssignmentView>>> {
    Ok(Json(
        crate::cases::service::enterprise::list_assignments(&state, &ctx, q).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/enterprise/summary", tag = "cases", params(SummaryQuery),
    responses((status = 200, body = EnterpriseSummaryView)))]
pub async fn summary(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> ApiResult<Json<EnterpriseSummaryView>> {
    Ok(Json(
        crate::cases::service::enterprise::summary(&state, &ctx, q).await?,
    ))
}
