//! 逢四说事 over HTTP: the schedule and its iCalendar feed, sessions with attendance and
//! minutes, and items from intake to archive.

use crate::context::Context;
use crate::deliberation::service::sessions::*;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::{ApiJson, ApiQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use tongxin_core::cases::calendar::LocalDate;
use tongxin_store::now_millis;

#[utoipa::path(get, path = "/api/v1/communities/{code}/session-schedule", tag = "deliberation",
    responses((status = 200, body = ScheduleView)))]
pub async fn get_schedule(
    State(state): State<AppState>,
    ctx: Context,
    Path(code): Path<String>,
) -> ApiResult<Json<ScheduleView>> {
    Ok(Json(
        crate::deliberation::service::sessions::get_schedule(&state, &ctx, code).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/communities/{code}/session-schedule", tag = "deliberation",
    request_body = ScheduleRequest,
    responses((status = 200, body = ScheduleView), (status = 422, body = crate::error::Problem)))]
pub async fn put_schedule(
    State(state): State<AppState>,
    ctx: Context,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<ScheduleRequest>,
) -> ApiResult<Json<ScheduleView>> {
    Ok(Json(
        crate::deliberation::service::sessions::put_schedule(&state, &ctx, code, req).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/communities/{code}/sessions/plan", tag = "deliberation",
    request_body = Period, responses((status = 200, body = PlanResult)))]
pub async fn plan(
    State(state): State<AppState>,
    ctx: Context,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<Period>,
) -> ApiResult<Json<PlanResult>> {
    Ok(Json(
        crate::deliberation::service::sessions::plan(&state, &ctx, code, req).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/communities/{code}/sessions", tag = "deliberation",
    params(Period), responses((status = 200, body = Vec<SessionView>), (status = 422, body = crate::error::Problem)))]
pub async fn list_sessions(
    State(state): State<AppState>,
    ctx: Context,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<Period>,
) -> ApiResult<Json<Vec<SessionView>>> {
    Ok(Json(
        crate::deliberation::service::sessions::list_sessions(&state, &ctx, code, q).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/sessions/{id}", tag = "deliberation",
    responses((status = 200, body = SessionDetail), (status = 404, body = crate::error::Problem)))]
pub async fn get_session(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<SessionDetail>> {
    Ok(Json(
        crate::deliberation::service::sessions::get_session(&state, &ctx, id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/sessions/{id}/record", tag = "deliberation",
    request_body = RecordSession,
    responses((status = 200, body = SessionDetail), (status = 409, body = crate::error::Problem, description = "the session has not started yet"), (status = 422, body = crate::error::Problem)))]
pub async fn record_session(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<RecordSession>,
) -> ApiResult<Json<SessionDetail>> {
    Ok(Json(
        crate::deliberation::service::sessions::record_session(&state, &ctx, id, req).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/session-items", tag = "deliberation", request_body = RaiseItem,
    responses((status = 201, body = ItemView), (status = 422, body = crate::error::Problem)))]
pub async fn post_item(
    State(state): State<AppState>,
    ctx: Context,
    ApiJson(req): ApiJson<RaiseItem>,
) -> ApiResult<(StatusCode, Json<ItemView>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::deliberation::service::sessions::post_item(&state, &ctx, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/session-items", tag = "deliberation", params(ItemListQuery),
    responses((status = 200, body = Vec<ItemView>)))]
pub async fn list_items(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<ItemListQuery>,
) -> ApiResult<Json<Vec<ItemView>>> {
    Ok(Json(
        crate::deliberation::service::sessions::list_items(&state, &ctx, q).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/session-items/{id}", tag = "deliberation",
    responses((status = 200, body = ItemDetail), (status = 404, body = crate::error::Problem)))]
pub async fn get_item(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
) -> ApiResult<Json<ItemDetail>> {
    Ok(Json(
        crate::deliberation::service::sessions::get_item(&state, &ctx, id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/session-items/{id}/reveal", tag = "deliberation", params(("id" = i64, Path)),
    request_body = crate::people::RevealRequest,
    responses((status = 200, body = RevealedItemText), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn reveal_item(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<crate::people::RevealRequest>,
) -> ApiResult<Json<RevealedItemText>> {
    Ok(Json(
        crate::deliberation::service::sessions::reveal_item(&state, &ctx, id, req).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/session-items/{id}/actions", tag = "deliberation",
    request_body = ItemActionRequest,
    responses((status = 200, body = ItemDetail), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn post_item_action(
    State(state): State<AppState>,
    ctx: Context,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<ItemActionRequest>,
) -> ApiResult<Json<ItemDetail>> {
    Ok(Json(
        crate::deliberation::service::sessions::post_item_action(&state, &ctx, id, req).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/session-items/overdue", tag = "deliberation", params(OverdueQuery),
    responses((status = 200, body = Vec<ItemView>)))]
pub async fn overdue_items(
    State(state): State<AppState>,
    ctx: Context,
    ApiQuery(q): ApiQuery<OverdueQuery>,
) -> ApiResult<Json<Vec<ItemView>>> {
    Ok(Json(
        crate::deliberation::service::sessions::overdue_items(&state, &ctx, q).await?,
    ))
}

/// The community's session calendar for phones and desktop calendars (RFC 5545), public:
/// calendar apps subscribe without a login, and a session's day and place are public notices.
pub async fn ical_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let code = file.strip_suffix(".ics").unwrap_or(&file);
    let community = crate::deliberation::service::community_code("code", code)?;
    if tongxin_store::territory::get_division(&state.store, &community)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found());
    }
    let offset = state.working_calendar().offset_minutes();
    let today = LocalDate::from_millis(now_millis(), offset);
    let from = LocalDate::from_day_number(today.day_number() - 60);
    let to = LocalDate::from_day_number(today.day_number() + 366);
    let (list, _, place) = occurrences(&state, &community, from, to).await?;
    let body = ical_text(&community, &list, &place);
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    ))
}
