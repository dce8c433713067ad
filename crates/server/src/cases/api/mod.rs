//! The cases JSON API (`/api/v1/cases`, categories, notifications, indicators, media,
//! patrols, enterprise commissioners): each handler takes the request apart, calls
//! `cases::service`, and shapes the answer.

pub mod admin;
pub mod enterprise;
pub mod indicators;
pub mod media;
pub mod patrols;

use crate::access::session::request_id;
use crate::access::{Authenticated, audit_entry};
use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::territory::point_to_wgs84;
use crate::util::{ApiJson, ApiQuery, Cursor, PageOut, clamp_limit, reach_within};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use tongxin_core::access::{Action, Target, authorize};
use tongxin_core::cases::machine::Command;
use tongxin_store::cases::{self};
use tongxin_store::{audit, commit, now_millis};

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
    let masked = masking_notice(&req);
    let row = report(&state, &ctx, req).await?;
    let mut v = view(&state, &row, None);
    v.notice = masked.map(str::to_string);
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CaseView), (status = 404, body = crate::error::Problem)))]
pub async fn get_case(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<i64>,
) -> ApiResult<Json<CaseView>> {
    let c = reachable_case(&state, &actor, id).await?;
    let events = cases::timeline(&state.store, id).await?;
    let mut v = view(&state, &c, Some(events));
    v.supports = Some(cases::support_count(&state.store, id).await?);
    Ok(Json(v))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/reveal", tag = "cases", params(("id" = i64, Path)),
    request_body = crate::people::RevealRequest,
    responses((status = 200, body = RevealedCaseText), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn reveal_case(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<crate::people::RevealRequest>,
) -> ApiResult<Json<RevealedCaseText>> {
    let reason = crate::people::reveal_reason(&req)?;
    let revealed = reveal_texts(&state, &actor, request_id(&headers), id, reason).await?;
    Ok(Json(revealed))
}

#[utoipa::path(get, path = "/api/v1/cases/nearby", tag = "cases", params(NearbyQuery),
    responses((status = 200, body = Vec<NearbyCase>, description = "open cases of the category within 50 m reported in the last 7 days, nearest first")))]
pub async fn nearby_cases(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<NearbyQuery>,
) -> ApiResult<Json<Vec<NearbyCase>>> {
    limits_of(&state, &q.category)?;
    let number = |name: &str, v: Option<&str>| -> ApiResult<f64> {
        v.and_then(|t| t.trim().parse::<f64>().ok())
            .filter(|f| f.is_finite())
            .ok_or_else(|| {
                ApiError::field(name, format!("{name} 须为数字 / {name} must be a number"))
            })
    };
    let (lon, lat, _) = point_to_wgs84(
        number("lon", q.lon.as_deref())?,
        number("lat", q.lat.as_deref())?,
        q.crs.as_deref(),
    )?;
    let (m_lat, m_lon) = tongxin_geo::crs::metres_per_degree(lat);
    let (dx, dy) = (DUPLICATE_RADIUS_M / m_lon, DUPLICATE_RADIUS_M / m_lat);
    let since = now_millis() - DUPLICATE_WINDOW_MS;
    let rows = cases::candidates_near(
        &state.store,
        &q.category,
        since,
        [lon - dx, lat - dy, lon + dx, lat + dy],
    )
    .await?;
    let mut near: Vec<NearbyCase> = rows
        .iter()
        .filter(|c| {
            c.reporter_id == actor.user_id
                || authorize(&actor, Action::ReportCase, Target::Node(&c.grid_code)).is_ok()
        })
        .filter_map(|c| {
            let d = tongxin_geo::crs::distance_m((lon, lat), (c.lon?, c.lat?));
            (d <= DUPLICATE_RADIUS_M).then(|| NearbyCase {
                distance_m: (d * 10.0).round() / 10.0,
                case: view(&state, c, None),
            })
        })
        .collect();
    near.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
    Ok(Json(near))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/support", tag = "cases", params(("id" = i64, Path)), request_body = SupportRequest,
    responses((status = 200, body = SupportAnswer), (status = 409, body = crate::error::Problem)))]
pub async fn support_case(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<SupportRequest>,
) -> ApiResult<Json<SupportAnswer>> {
    let c = cases::get_case(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    authorize(&actor, Action::ReportCase, Target::Record(&c.grid_code))?;
    if !c.status.is_open() {
        return Err(ApiError::conflict(
            "案件已结束，不能再附议 / the case is no longer open",
        ));
    }
    if req.note.chars().count() > 500 {
        return Err(ApiError::field(
            "note",
            "最多 500 字 / at most 500 characters",
        ));
    }
    let now = now_millis();
    let mut tx = state.store.begin().await?;
    let added = cases::add_support(&mut tx, id, actor.user_id, now, req.note.trim()).await?;
    if added {
        audit::record(
            &mut tx,
            &audit_entry(&actor, "case.support", "case", id.to_string())
                .node(Some(c.grid_code.clone()))
                .request(request_id(&headers)),
        )
        .await?;
    }
    commit(tx).await?;
    Ok(Json(SupportAnswer {
        case_id: id,
        supports: cases::support_count(&state.store, id).await?,
        added,
    }))
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "cases", params(NotificationQuery),
    responses((status = 200, body = PageOut<NotificationView>)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<NotificationQuery>,
) -> ApiResult<Json<PageOut<NotificationView>>> {
    let page = cases::notifications(
        &state.store,
        actor.user_id,
        q.unread.unwrap_or(false),
        Cursor::decode_i64(q.cursor.as_deref())?,
        clamp_limit(q.limit),
    )
    .await?;
    Ok(Json(PageOut::new(
        page.items
            .into_iter()
            .map(|n| NotificationView {
                id: n.id,
                case_id: n.case_id,
                kind: n.kind,
                message: n.message,
                created_at: n.created_at,
                read_at: n.read_at,
            })
            .collect(),
        page.next,
    )))
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
    let (after, events) = act(&state, &ctx, id, command).await?;
    Ok(Json(view(&state, &after, Some(events))))
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseListQuery),
    responses((status = 200, body = PageOut<CaseView>)))]
pub async fn list_cases(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<CaseListQuery>,
) -> ApiResult<Json<PageOut<CaseView>>> {
    let prefixes = reach_within(&actor, Action::WorkCase, q.within.as_deref())?;
    let page = cases::list_cases(
        &state.store,
        &prefixes,
        &q.filter(),
        Cursor::decode_i64(q.cursor.as_deref())?,
        clamp_limit(q.limit),
    )
    .await?;
    Ok(Json(PageOut::new(
        page.items.iter().map(|c| view(&state, c, None)).collect(),
        page.next,
    )))
}
