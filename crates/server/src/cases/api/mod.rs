//! The cases JSON API (`/api/v1/cases`, categories, notifications, indicators, media,
//! patrols, enterprise commissioners): each handler takes the request apart, calls
//! `cases::service`, and shapes the answer.

pub mod admin;
pub mod enterprise;
pub mod indicators;
pub mod media;
pub mod patrols;

use crate::access::Authenticated;
use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::{ApiJson, ApiQuery, PageOut};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use tongxin_core::cases::machine::Command;
use tongxin_store::cases::{self};
use tongxin_store::now_millis;

use crate::cases::service::*;
pub use tongxin_core::cases::intake::CHANNELS;

#[utoipa::path(get, path = "/api/v1/case-categories", tag = "cases",
    responses((status = 200, body = Vec<CategoryView>)))]
pub async fn list_categories(
    State(state): State<AppState>,
    Authenticated(_actor): Authenticated,
) -> Json<Vec<CategoryView>> {
    let catalogue = state.catalogue.read().expect("catalogue lock");
    let views = catalogue
        .leaves()
        .map(|c| CategoryView {
            code: c.code.clone(),
            name: c.name.clone(),
            name_en: c.name_en.clone(),
            major: c.parent.as_deref().and_then(|p| catalogue.category(p)).map(|m| m.name.clone()).unwrap_or_default(),
            kind: serde_json::to_value(c.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
            limits: c.limits.as_ref().map(|l| serde_json::json!({
                "file": l.file.to_string(), "dispatch": l.dispatch.to_string(), "accept": l.accept.to_string(),
                "handle": l.handle.to_string(), "verify": l.verify.to_string(),
            })).unwrap_or_default(),
        })
        .collect();
    Json(views)
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = NewCaseRequest,
    responses((status = 201, body = CaseView), (status = 422, body = crate::error::Problem)))]
pub async fn post_case(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(req): ApiJson<NewCaseRequest>,
) -> ApiResult<(StatusCode, Json<CaseView>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::cases::service::post_case(&state, &ctx, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CaseView), (status = 404, body = crate::error::Problem)))]
pub async fn get_case(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(
        crate::cases::service::get_case(&state, &ctx, id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/reveal", tag = "cases", params(("id" = i64, Path)),
    request_body = crate::people::RevealRequest,
    responses((status = 200, body = RevealedCaseText), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn reveal_case(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<crate::people::RevealRequest>,
) -> ApiResult<Json<RevealedCaseText>> {
    Ok(Json(
        crate::cases::service::reveal_case(&state, &ctx, id, req).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/nearby", tag = "cases", params(NearbyQuery),
    responses((status = 200, body = Vec<NearbyCase>, description = "open cases of the category within 50 m reported in the last 7 days, nearest first")))]
pub async fn nearby_cases(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<NearbyQuery>,
) -> ApiResult<Json<Vec<NearbyCase>>> {
    Ok(Json(
        crate::cases::service::nearby_cases(&state, &ctx, q).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/support", tag = "cases", params(("id" = i64, Path)), request_body = SupportRequest,
    responses((status = 200, body = SupportAnswer), (status = 409, body = crate::error::Problem)))]
pub async fn support_case(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<SupportRequest>,
) -> ApiResult<Json<SupportAnswer>> {
    Ok(Json(
        crate::cases::service::support_case(&state, &ctx, id, req).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "cases", params(NotificationQuery),
    responses((status = 200, body = PageOut<NotificationView>)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<NotificationQuery>,
) -> ApiResult<Json<PageOut<NotificationView>>> {
    Ok(Json(
        crate::cases::service::list_notifications(&state, &ctx, q).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "cases", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn read_notification(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    if cases::mark_read(&state.store, actor.user_id, id, now_millis()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "cases", params(("id" = i64, Path)),
    request_body(content = serde_json::Value, description = "a command: {\"action\":\"file\",\"note\":\"…\"}, dispatch {department}, accept, return {reason}, handle {feedback, photos}, verify {passed, note}, escalate {reason}, reopen {reason}, merge {into}, supervise {note}, rate {satisfaction, comment}, cancel {reason}"),
    responses((status = 200, body = CaseView), (status = 409, body = crate::error::Problem, description = "not allowed now (lists the allowed actions), or another change got there first")))]
pub async fn post_action(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(command): ApiJson<Command>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(
        crate::cases::service::post_action(&state, &ctx, id, command).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseListQuery),
    responses((status = 200, body = PageOut<CaseView>)))]
pub async fn list_cases(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<CaseListQuery>,
) -> ApiResult<Json<PageOut<CaseView>>> {
    Ok(Json(
        crate::cases::service::list_cases(&state, &ctx, q).await?,
    ))
}
