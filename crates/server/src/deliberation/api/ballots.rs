//! Elections and motions over HTTP. A vote is checked in this order: the ballot is visible,
//! open and takes votes (409), what it says is valid (422), the caller is linked to a
//! resident (403) who is in the electorate now (403) and has not voted (409).

use crate::context::Context;
use crate::deliberation::service::ballots::*;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::util::ApiJson;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
pub use tongxin_store::deliberation::ballots::{ELECTION, MOTION};

#[utoipa::path(post, path = "/api/v1/councils/{id}/elections", tag = "deliberation", params(("id" = i64, Path)), request_body = NewElectionRequest,
    responses((status = 201, body = ElectionView), (status = 422, body = crate::error::Problem)))]
pub async fn post_election(
    State(state): State<AppState>,
    ctx: Context,
    Path(council_id): Path<i64>,
    ApiJson(req): ApiJson<NewElectionRequest>,
) -> ApiResult<(StatusCode, Json<ElectionView>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            crate::deliberation::service::ballots::post_election(&state, &ctx, council_id, req)
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/api/v1/councils/{id}/elections", tag = "deliberation", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ElectionView>)))]
pub async fn list_elections(
    State(state): State<AppState>,
    ctx: Context,
    Path(council_id): Path<i64>,
) -> ApiResult<Json<Vec<ElectionView>>> {
    Ok(Json(
        crate::deliberation::service::ballots::list_elections(&state, &ctx, council_id).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/elections/{id}", tag = "deliberation", params(("id" = i64, Path)),
    responses((status = 200, body = ElectionView), (status = 404, body = crate::error::Problem)))]
pub async fn get_election(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<ElectionView>> {
    Ok(Json(
        crate::deliberation::service::ballots::get_election(&state, &ctx, id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/elections/{id}/votes", tag = "deliberation", params(("id" = i64, Path)), request_body = ElectionVote,
    responses((status = 201, body = VoteReceipt), (status = 403, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn post_election_vote(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<ElectionVote>,
) -> ApiResult<(StatusCode, Json<VoteReceipt>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            crate::deliberation::service::ballots::post_election_vote(&state, &ctx, id, req)
                .await?,
        ),
    ))
}

#[utoipa::path(post, path = "/api/v1/elections/{id}/close", tag = "deliberation", params(("id" = i64, Path)),
    responses((status = 200, body = ElectionView), (status = 409, body = crate::error::Problem)))]
pub async fn close_election(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<ElectionView>> {
    Ok(Json(
        crate::deliberation::service::ballots::close_election(&state, &ctx, id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/elections/{id}/publish", tag = "deliberation", params(("id" = i64, Path)),
    responses((status = 200, body = ElectionView), (status = 409, body = crate::error::Problem)))]
pub async fn publish_election(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<ElectionView>> {
    Ok(Json(
        crate::deliberation::service::ballots::publish_election(&state, &ctx, id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/councils/{id}/motions", tag = "deliberation", params(("id" = i64, Path)), request_body = NewMotionRequest,
    responses((status = 201, body = MotionView), (status = 422, body = crate::error::Problem)))]
pub async fn post_motion(
    State(state): State<AppState>,
    ctx: Context,
    Path(council_id): Path<i64>,
    ApiJson(req): ApiJson<NewMotionRequest>,
) -> ApiResult<(StatusCode, Json<MotionView>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            crate::deliberation::service::ballots::post_motion(&state, &ctx, council_id, req)
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/api/v1/councils/{id}/motions", tag = "deliberation", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<MotionView>)))]
pub async fn list_motions(
    State(state): State<AppState>,
    ctx: Context,
    Path(council_id): Path<i64>,
) -> ApiResult<Json<Vec<MotionView>>> {
    Ok(Json(
        crate::deliberation::service::ballots::list_motions(&state, &ctx, council_id).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/motions/{id}", tag = "deliberation", params(("id" = i64, Path)),
    responses((status = 200, body = MotionView), (status = 404, body = crate::error::Problem)))]
pub async fn get_motion(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<MotionView>> {
    Ok(Json(
        crate::deliberation::service::ballots::get_motion(&state, &ctx, id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/motions/{id}/votes", tag = "deliberation", params(("id" = i64, Path)), request_body = MotionVote,
    responses((status = 201, body = VoteReceipt), (status = 403, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn post_motion_vote(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<MotionVote>,
) -> ApiResult<(StatusCode, Json<VoteReceipt>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::deliberation::service::ballots::post_motion_vote(&state, &ctx, id, req).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/motions/{id}/hands", tag = "deliberation", params(("id" = i64, Path)), request_body = HandsRequest,
    responses((status = 200, body = MotionView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn post_hands(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<HandsRequest>,
) -> ApiResult<Json<MotionView>> {
    Ok(Json(
        crate::deliberation::service::ballots::post_hands(&state, &ctx, id, req).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/motions/{id}/close", tag = "deliberation", params(("id" = i64, Path)),
    responses((status = 200, body = MotionView), (status = 409, body = crate::error::Problem)))]
pub async fn close_motion(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<MotionView>> {
    Ok(Json(
        crate::deliberation::service::ballots::close_motion(&state, &ctx, id).await?,
    ))
}
