//! Residents and households.

use crate::context::Context;
use crate::error::ApiResult;
use crate::people::service::residents::*;
use crate::state::AppState;
use crate::util::{ApiJson, PageOut};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

#[utoipa::path(post, path = "/api/v1/residents", tag = "people", request_body = NewResidentRequest,
    responses((status = 201, body = ResidentView), (status = 422, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn post_resident(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(req): ApiJson<NewResidentRequest>,
) -> ApiResult<(StatusCode, Json<ResidentView>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::people::service::residents::post_resident(&state, &ctx, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/residents/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = ResidentView), (status = 404, body = crate::error::Problem)))]
pub async fn get_resident(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<ResidentView>> {
    Ok(Json(
        crate::people::service::residents::get_resident(&state, &ctx, id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/residents/{id}/reveal", tag = "people", params(("id" = i64, Path)), request_body = RevealRequest,
    responses((status = 200, body = RevealedView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn reveal_resident(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<RevealRequest>,
) -> ApiResult<Json<RevealedView>> {
    Ok(Json(
        crate::people::service::residents::reveal_resident(&state, &ctx, id, req).await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/residents/{id}", tag = "people", params(("id" = i64, Path)), request_body = UpdateResidentRequest,
    responses((status = 200, body = ResidentView), (status = 422, body = crate::error::Problem)))]
pub async fn patch_resident(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<UpdateResidentRequest>,
) -> ApiResult<Json<ResidentView>> {
    Ok(Json(
        crate::people::service::residents::patch_resident(&state, &ctx, id, req).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/residents/{id}/move", tag = "people", params(("id" = i64, Path)), request_body = MoveRequest,
    responses((status = 200, body = ResidentView), (status = 422, body = crate::error::Problem)))]
pub async fn move_resident(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<MoveRequest>,
) -> ApiResult<Json<ResidentView>> {
    Ok(Json(
        crate::people::service::residents::move_resident(&state, &ctx, id, req).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/residents/{id}/history", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ResidencePeriod>)))]
pub async fn resident_history(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<ResidencePeriod>>> {
    Ok(Json(
        crate::people::service::residents::resident_history(&state, &ctx, id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/residents/search", tag = "people", request_body = ResidentSearch,
    responses((status = 200, body = PageOut<ResidentView>)))]
pub async fn search_residents(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(req): ApiJson<ResidentSearch>,
) -> ApiResult<Json<PageOut<ResidentView>>> {
    Ok(Json(
        crate::people::service::residents::search_residents(&state, &ctx, req).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/households", tag = "people", request_body = NewHouseholdRequest,
    responses((status = 201, body = HouseholdView), (status = 422, body = crate::error::Problem)))]
pub async fn post_household(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(req): ApiJson<NewHouseholdRequest>,
) -> ApiResult<(StatusCode, Json<HouseholdView>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::people::service::residents::post_household(&state, &ctx, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = HouseholdView), (status = 404, body = crate::error::Problem)))]
pub async fn get_household(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<HouseholdView>> {
    Ok(Json(
        crate::people::service::residents::get_household(&state, &ctx, id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/households/{id}/head", tag = "people", params(("id" = i64, Path)), request_body = HeadRequest,
    responses((status = 200, body = HouseholdView), (status = 422, body = crate::error::Problem)))]
pub async fn set_household_head(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<HeadRequest>,
) -> ApiResult<Json<HouseholdView>> {
    Ok(Json(
        crate::people::service::residents::set_household_head(&state, &ctx, id, req).await?,
    ))
}
