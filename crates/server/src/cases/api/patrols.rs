//! Patrol logs over HTTP: a grid worker starts a patrol, sends track points (any CRS), ends
//! it; cases reported with the patrol's id count as its findings; coverage per grid and day.

use crate::access::session::request_id;
use crate::access::{Authenticated, audit_entry};
use crate::cases::service::patrols::*;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::territory::point_to_wgs84;
use crate::util::{ApiJson, ApiQuery, reach_within};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use tongxin_core::access::Action;
use tongxin_core::cases::calendar::LocalDate;
use tongxin_store::cases::patrols::{self, CoverageRow};
use tongxin_store::{audit, commit, now_millis, territory};

#[utoipa::path(post, path = "/api/v1/patrols", tag = "cases", request_body = StartPatrol,
    responses((status = 201, body = PatrolView), (status = 409, body = crate::error::Problem)))]
pub async fn start_patrol(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    ApiJson(req): ApiJson<StartPatrol>,
) -> ApiResult<(StatusCode, Json<PatrolView>)> {
    let grids = own_grids(&actor);
    let grid = match &req.grid_code {
        Some(g) if grids.contains(g) => g.clone(),
        Some(_) => {
            return Err(ApiError::field(
                "grid_code",
                "只能巡查自己的网格 / a grid worker patrols their own grid",
            ));
        }
        None => grids.first().cloned().ok_or_else(ApiError::forbidden)?,
    };
    if patrols::open_for(&state.store, actor.user_id)
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(
            "已有进行中的巡查，请先结束 / a patrol is already under way; end it first",
        ));
    }
    let now = now_millis();
    let mut tx = state.store.begin().await?;
    let id = patrols::start(&mut tx, actor.user_id, &grid, now).await?;
    audit::record(
        &mut tx,
        &audit_entry(&actor, "patrol.start", "patrol", id.to_string())
            .node(Some(grid.clone()))
            .request(request_id(&headers)),
    )
    .await?;
    commit(tx).await?;
    let row = patrols::get(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[utoipa::path(post, path = "/api/v1/patrols/{id}/points", tag = "cases", params(("id" = i64, Path)), request_body = TrackPoints,
    responses((status = 200, body = PatrolView), (status = 422, body = crate::error::Problem)))]
pub async fn add_points(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<TrackPoints>,
) -> ApiResult<Json<PatrolView>> {
    let patrol = own_open_patrol(&state, &actor, id).await?;
    if req.points.is_empty() || req.points.len() > 1_000 {
        return Err(ApiError::field(
            "points",
            "每次 1–1000 个点 / send 1–1,000 points at a time",
        ));
    }
    let now = now_millis();
    let locator = state.locator();
    let mut last = patrols::last_point(&state.store, id).await?;
    let mut distance = 0.0;
    let mut rows = Vec::with_capacity(req.points.len());
    for (i, p) in req.points.iter().enumerate() {
        let (lon, lat, _) = point_to_wgs84(p.lon, p.lat, p.crs.as_deref()).map_err(|e| {
            ApiError::field(
                "points",
                format!("第 {} 个点 / point {}: {}", i + 1, i + 1, e.detail),
            )
        })?;
        let at = p.at.unwrap_or(now);
        if at < patrol.started_at || at > now + 60_000 {
            return Err(ApiError::field(
                "points",
                format!(
                    "第 {} 个点的时间不在巡查期间 / point {} is outside the patrol's time",
                    i + 1,
                    i + 1
                ),
            ));
        }
        if let Some(prev) = last {
            distance += tongxin_geo::crs::distance_m(prev, (lon, lat));
        }
        last = Some((lon, lat));
        rows.push((at, lon, lat, locator.locate(lon, lat).map(str::to_string)));
    }
    let mut tx = state.store.begin().await?;
    patrols::add_points(&mut tx, id, &rows, distance).await?;
    commit(tx).await?;
    Ok(Json(
        patrols::get(&state.store, id)
            .await?
            .ok_or_else(ApiError::not_found)?
            .into(),
    ))
}

#[utoipa::path(post, path = "/api/v1/patrols/{id}/end", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = PatrolView), (status = 409, body = crate::error::Problem)))]
pub async fn end_patrol(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult<Json<PatrolView>> {
    let patrol = own_open_patrol(&state, &actor, id).await?;
    let mut tx = state.store.begin().await?;
    patrols::finish(&mut tx, id, now_millis()).await?;
    audit::record(
        &mut tx,
        &audit_entry(&actor, "patrol.end", "patrol", id.to_string())
            .node(Some(patrol.grid_code.clone()))
            .request(request_id(&headers)),
    )
    .await?;
    commit(tx).await?;
    Ok(Json(
        patrols::get(&state.store, id)
            .await?
            .ok_or_else(ApiError::not_found)?
            .into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/patrols/coverage", tag = "cases", params(CoverageQuery),
    responses((status = 200, body = CoverageView)))]
pub async fn coverage(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> ApiResult<Json<CoverageView>> {
    let prefixes = reach_within(&actor, Action::WorkCase, q.within.as_deref())?;
    let offset = state.working_calendar().offset_minutes();
    let day = match q.date.as_deref() {
        None => LocalDate::from_millis(now_millis(), offset),
        Some(d) => d
            .parse::<LocalDate>()
            .map_err(|_| ApiError::field("date", "须为 YYYY-MM-DD / must be YYYY-MM-DD"))?,
    };
    let from = day.start_millis(offset);
    let to = day.next_day().start_millis(offset);
    let rows: Vec<CoverageRow> = patrols::coverage(&state.store, &prefixes, from, to).await?;
    let mut total = 0;
    for p in &prefixes {
        total += territory::counts(&state.store, p).await?.grids;
    }
    let patrolled = rows.len() as i64;
    Ok(Json(CoverageView {
        date: day.to_string(),
        grids_total: total,
        grids_patrolled: patrolled,
        coverage_rate: (total > 0)
            .then(|| (patrolled as f64 / total as f64 * 10_000.0).round() / 10_000.0),
        grids: rows
            .into_iter()
            .map(|r| CoverageGrid {
                grid_code: r.grid_code,
                patrols: r.patrols,
                minutes: r.minutes,
                findings: r.findings,
            })
            .collect(),
    }))
}
