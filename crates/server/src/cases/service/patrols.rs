//! Patrol logs over HTTP: a grid worker starts a patrol, sends track points (any CRS), ends
//! it; cases reported with the patrol's id count as its findings; coverage per grid and day.

use crate::access::audit_entry;
use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::territory::point_to_wgs84;
use crate::util::reach_within;
use serde::{Deserialize, Serialize};
use tongxin_core::access::Action;
use tongxin_core::access::{Actor, Role};
use tongxin_core::cases::calendar::LocalDate;
use tongxin_store::cases::patrols::PatrolRow;
use tongxin_store::cases::patrols::{self, CoverageRow};
use tongxin_store::{audit, commit, now_millis, territory};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct PatrolView {
    pub id: i64,
    pub worker_id: i64,
    pub grid_code: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub distance_m: f64,
    pub points: i64,
    pub findings: i64,
}

impl From<PatrolRow> for PatrolView {
    fn from(p: PatrolRow) -> Self {
        PatrolView {
            id: p.id,
            worker_id: p.worker_id,
            grid_code: p.grid_code,
            started_at: p.started_at,
            ended_at: p.ended_at,
            distance_m: (p.distance_m * 10.0).round() / 10.0,
            points: p.points,
            findings: p.findings,
        }
    }
}

pub(crate) fn own_grids(actor: &Actor) -> Vec<String> {
    actor
        .bindings
        .iter()
        .filter(|b| b.role == Role::GridWorker)
        .map(|b| b.node.to_string())
        .collect()
}

#[derive(Deserialize, ToSchema)]
pub struct StartPatrol {
    /// The grid patrolled; defaults to the worker's own grid.
    pub grid_code: Option<String>,
}

pub(crate) async fn own_open_patrol(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> ApiResult<PatrolRow> {
    let p = patrols::get(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if p.worker_id != actor.user_id {
        return Err(ApiError::not_found());
    }
    if p.ended_at.is_some() {
        return Err(ApiError::conflict("巡查已结束 / the patrol has ended"));
    }
    Ok(p)
}

#[derive(Deserialize, ToSchema)]
pub struct TrackPoint {
    /// When it was taken (UTC ms); default now.
    pub at: Option<i64>,
    pub lon: f64,
    pub lat: f64,
    /// wgs84 (default, browsers' GPS), gcj02 or bd09.
    pub crs: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct TrackPoints {
    pub points: Vec<TrackPoint>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    pub within: Option<String>,
    /// The day (China time), YYYY-MM-DD; default today.
    pub date: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CoverageGrid {
    pub grid_code: String,
    pub patrols: i64,
    pub minutes: i64,
    pub findings: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CoverageView {
    pub date: String,
    pub grids_total: i64,
    pub grids_patrolled: i64,
    /// grids_patrolled / grids_total
    pub coverage_rate: Option<f64>,
    pub grids: Vec<CoverageGrid>,
}

pub async fn start_patrol(
    state: &AppState,
    ctx: &Context,
    req: StartPatrol,
) -> ApiResult<PatrolView> {
    let actor = &ctx.actor;
    let grids = own_grids(actor);
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
        &audit_entry(actor, "patrol.start", "patrol", id.to_string())
            .node(Some(grid.clone()))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    let row = patrols::get(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(row.into())
}

pub async fn add_points(
    state: &AppState,
    ctx: &Context,
    id: i64,
    req: TrackPoints,
) -> ApiResult<PatrolView> {
    let actor = &ctx.actor;
    let patrol = own_open_patrol(state, actor, id).await?;
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
    Ok(patrols::get(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?
        .into())
}

pub async fn end_patrol(state: &AppState, ctx: &Context, id: i64) -> ApiResult<PatrolView> {
    let actor = &ctx.actor;
    let patrol = own_open_patrol(state, actor, id).await?;
    let mut tx = state.store.begin().await?;
    patrols::finish(&mut tx, id, now_millis()).await?;
    audit::record(
        &mut tx,
        &audit_entry(actor, "patrol.end", "patrol", id.to_string())
            .node(Some(patrol.grid_code.clone()))
            .request(ctx.request_id.clone()),
    )
    .await?;
    commit(tx).await?;
    Ok(patrols::get(&state.store, id)
        .await?
        .ok_or_else(ApiError::not_found)?
        .into())
}

pub async fn coverage(
    state: &AppState,
    ctx: &Context,
    q: CoverageQuery,
) -> ApiResult<CoverageView> {
    let actor = &ctx.actor;
    let prefixes = reach_within(actor, Action::WorkCase, q.within.as_deref())?;
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
    Ok(CoverageView {
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
    })
}
