//! Three-affairs disclosure (三务公开) over HTTP: the catalogue, the committee roster,
//! drafting, two-member approval, publication onto the hash chain, corrections, overdue
//! warnings and the chain check. The public portal is in `pages::disclosure`.

use crate::access::session::request_id;
use crate::access::{Authenticated, Caller};
use crate::context::Context;
use crate::disclosure::service::*;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::{ApiJson, ApiQuery};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use tongxin_core::access::{Action, Target, authorize};
use tongxin_store::disclosure::{self as store};

#[utoipa::path(get, path = "/api/v1/disclosure/communities/{code}/items", tag = "disclosure", operation_id = "list_disclosure_items", params(("code" = String, Path)),
    responses((status = 200, body = Vec<ItemView>)))]
pub async fn list_items(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<ItemView>>> {
    let code = crate::disclosure::service::community(&state, &code).await?;
    let items = store::list_items(&state.store, &code).await?;
    Ok(Json(items.iter().map(item_view).collect()))
}

#[utoipa::path(post, path = "/api/v1/disclosure/communities/{code}/items", tag = "disclosure", operation_id = "post_disclosure_item", params(("code" = String, Path)),
    request_body = NewItemRequest,
    responses((status = 201, body = ItemView), (status = 422, body = crate::error::Problem)))]
pub async fn post_item(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(code): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<NewItemRequest>,
) -> ApiResult<(StatusCode, Json<ItemView>)> {
    let row = crate::disclosure::service::add_item(
        &state,
        &actor,
        &code,
        crate::disclosure::service::NewItem {
            affair: req.affair,
            title: req.title,
            frequency: req.frequency,
            major: req.major,
            grace_days: req.grace_days,
        },
        request_id(&headers),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(item_view(&row))))
}

#[utoipa::path(get, path = "/api/v1/disclosure/communities/{code}/committee", tag = "disclosure", params(("code" = String, Path)),
    responses((status = 200, body = Vec<MemberView>)))]
pub async fn list_committee(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<MemberView>>> {
    let code = crate::disclosure::service::community(&state, &code).await?;
    authorize(&actor, Action::ApproveDisclosure, Target::Node(&code))?;
    let members = store::committee(&state.store, &code).await?;
    Ok(Json(
        members
            .into_iter()
            .map(|m| MemberView {
                user_id: m.user_id,
                username: m.username,
                display_name: m.display_name,
                added_at: m.added_at,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/disclosure/communities/{code}/committee", tag = "disclosure", operation_id = "post_committee_member", params(("code" = String, Path)),
    request_body = NewMemberRequest,
    responses((status = 204), (status = 409, body = crate::error::Problem)))]
pub async fn post_member(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(code): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<NewMemberRequest>,
) -> ApiResult<StatusCode> {
    crate::disclosure::service::add_member(
        &state,
        &actor,
        &code,
        req.user_id,
        request_id(&headers),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/disclosure/communities/{code}/committee/{user_id}", tag = "disclosure",
    params(("code" = String, Path), ("user_id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete_member(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((code, user_id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    crate::disclosure::service::remove_member(&state, &actor, &code, user_id, request_id(&headers))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/disclosure/communities/{code}/postings", tag = "disclosure", params(("code" = String, Path)),
    responses((status = 200, body = Vec<PostingView>, description = "newest first; published ones for everyone, drafts too for the community's staff and committee")))]
pub async fn list_postings(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<PostingView>>> {
    let code = crate::disclosure::service::community(&state, &code).await?;
    let rows = store::list_postings(&state.store, &code, is_staff(&caller, &code)).await?;
    Ok(Json(rows.iter().map(posting_view).collect()))
}

#[utoipa::path(post, path = "/api/v1/disclosure/communities/{code}/postings", tag = "disclosure", params(("code" = String, Path)),
    request_body = NewPostingRequest,
    responses((status = 201, body = PostingView), (status = 422, body = crate::error::Problem)))]
pub async fn post_posting(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(code): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<NewPostingRequest>,
) -> ApiResult<(StatusCode, Json<PostingView>)> {
    let lines = line_items(req.lines)?;
    let row = crate::disclosure::service::draft(
        &state,
        &actor,
        &code,
        crate::disclosure::service::NewPosting {
            item_id: req.item_id,
            period: req.period,
            title: req.title,
            body: req.body,
            lines,
        },
        request_id(&headers),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(full_view(&state, &row).await?)))
}

#[utoipa::path(get, path = "/api/v1/disclosure/postings/{id}", tag = "disclosure", params(("id" = i64, Path)),
    responses((status = 200, body = PostingView), (status = 404, body = crate::error::Problem)))]
pub async fn get_posting(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
) -> ApiResult<Json<PostingView>> {
    let p = store::get_posting(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if p.status != "published" && !is_staff(&caller, &p.community_code) {
        return Err(ApiError::not_found());
    }
    Ok(Json(full_view(&state, &p).await?))
}

#[utoipa::path(post, path = "/api/v1/disclosure/postings/{id}/approve", tag = "disclosure", params(("id" = i64, Path)),
    responses((status = 200, body = PostingView), (status = 403, body = crate::error::Problem, description = "not on the committee roster, or the author"),
              (status = 409, body = crate::error::Problem, description = "already approved by you, or already published")))]
pub async fn approve(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> ApiResult<Json<PostingView>> {
    let p = crate::disclosure::service::approve(&state, &actor, id, request_id(&headers)).await?;
    Ok(Json(full_view(&state, &p).await?))
}

#[utoipa::path(post, path = "/api/v1/disclosure/postings/{id}/publish", tag = "disclosure", params(("id" = i64, Path)),
    responses((status = 200, body = PostingView), (status = 409, body = crate::error::Problem, description = "fewer than two committee approvals (named), already published, or the period already published")))]
pub async fn publish(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> ApiResult<Json<PostingView>> {
    let p = crate::disclosure::service::publish(&state, &actor, id, request_id(&headers)).await?;
    Ok(Json(full_view(&state, &p).await?))
}

#[utoipa::path(post, path = "/api/v1/disclosure/postings/{id}/corrections", tag = "disclosure", params(("id" = i64, Path)),
    request_body = CorrectionRequest,
    responses((status = 201, body = PostingView, description = "a draft of the next version; it is approved and published like any posting"),
              (status = 409, body = crate::error::Problem)))]
pub async fn post_correction(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CorrectionRequest>,
) -> ApiResult<(StatusCode, Json<PostingView>)> {
    let lines = line_items(req.lines)?;
    let row = crate::disclosure::service::correct(
        &state,
        &actor,
        id,
        crate::disclosure::service::Correction {
            title: req.title,
            body: req.body,
            lines,
        },
        request_id(&headers),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(full_view(&state, &row).await?)))
}

#[utoipa::path(get, path = "/api/v1/disclosure/communities/{code}/overdue", tag = "disclosure", params(("code" = String, Path)),
    responses((status = 200, body = Vec<OverdueView>, description = "publications past their due date, oldest first")))]
pub async fn list_overdue(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<OverdueView>>> {
    let code = crate::disclosure::service::community(&state, &code).await?;
    authorize(&actor, Action::ApproveDisclosure, Target::Node(&code))?;
    Ok(Json(overdue_views(&state, &code).await?))
}

#[utoipa::path(get, path = "/api/v1/disclosure/verify", tag = "disclosure", params(VerifyQuery),
    responses((status = 200, body = VerifyReport, description = "intact, with the chain heads; or the first broken link")))]
pub async fn verify(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<VerifyQuery>,
) -> ApiResult<Json<VerifyReport>> {
    Ok(Json(
        crate::disclosure::service::verify(&state, &ctx, q).await?,
    ))
}
