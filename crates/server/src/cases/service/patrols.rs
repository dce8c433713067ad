//! Patrol logs over HTTP: a grid worker starts a patrol, sends track points (any CRS), ends
//! it; cases reported with the patrol's id count as its findings; coverage per grid and day.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use tongxin_core::access::{Actor, Role};
use tongxin_store::cases::patrols::{self, PatrolRow};
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
